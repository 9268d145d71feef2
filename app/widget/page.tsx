import type { Metadata } from 'next';
import { headers } from 'next/headers';
import { ChatApp } from '@/components/chat/ChatApp';
import { acceptHostOrigin, parseWidgetOptions } from '@/lib/chat/widget-options';
import { getConfig, getPublicChatConfig } from '@/lib/config';

// Options come from the URL and the message limit from the server's environment, per request.
export const dynamic = 'force-dynamic';

export const metadata: Metadata = {
  title: 'Support chat',
  robots: { index: false },
};

/** The page inside the embed's iframe (public/widget.js): the same chat as `/`, in a compact panel. */
export default async function WidgetPage({ searchParams }: { searchParams: Promise<Record<string, string | string[] | undefined>> }) {
  const options = parseWidgetOptions(await searchParams);
  const { demoModel, maxMessageChars } = getPublicChatConfig();
  const hostOrigin = acceptHostOrigin(
    options.hostOrigin,
    getConfig().security.widgetAllowedOrigins,
    (await headers()).get('host'),
  );
  return (
    <main className="h-dvh">
      <ChatApp
        variant="widget"
        demoModel={demoModel}
        maxMessageChars={maxMessageChars}
        lang={options.lang}
        title={options.title}
        greeting={options.greeting}
        accent={options.accent}
        hostOrigin={hostOrigin}
      />
    </main>
  );
}
