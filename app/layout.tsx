import type { Metadata, Viewport } from 'next';
import { connection } from 'next/server';
import type { ReactNode } from 'react';
import './globals.css';

export const metadata: Metadata = {
  title: 'Tether support chat',
  description: 'Chat with our support team.',
};

export const viewport: Viewport = {
  // Let the on-screen keyboard shrink the layout rather than cover it, so the composer stays visible.
  interactiveWidget: 'resizes-content',
  themeColor: [
    { media: '(prefers-color-scheme: light)', color: '#f1f5f9' },
    { media: '(prefers-color-scheme: dark)', color: '#020617' },
  ],
};

export default async function RootLayout({ children }: Readonly<{ children: ReactNode }>) {
  // Every page carries a per-request CSP nonce (proxy.ts), which only a request-time render can put
  // on Next's scripts: no page may be prerendered at build time, the 404 page included.
  await connection();
  return (
    <html lang="en">
      <body className="bg-slate-100 text-slate-900 antialiased dark:bg-slate-950 dark:text-slate-100">{children}</body>
    </html>
  );
}
