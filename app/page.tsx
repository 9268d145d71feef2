import { ChatApp } from '@/components/chat/ChatApp';
import { getPublicChatConfig } from '@/lib/config';

// The banner and the message limit come from the server's environment at request time, not at build time.
export const dynamic = 'force-dynamic';

export default function Page() {
  const { demoModel, maxMessageChars } = getPublicChatConfig();
  return (
    <main className="flex h-dvh items-stretch justify-center sm:items-center sm:p-6">
      <ChatApp demoModel={demoModel} maxMessageChars={maxMessageChars} />
    </main>
  );
}
