import { redirect } from 'next/navigation';

/** Until the overview lands, the console opens on the sessions list. */
export default function ConsoleHome() {
  redirect('/admin/sessions');
}
