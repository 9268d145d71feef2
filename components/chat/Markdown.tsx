import ReactMarkdown, { type Components } from 'react-markdown';
import remarkGfm from 'remark-gfm';

/**
 * A reply's Markdown, rendered as React elements (no raw HTML is ever parsed into the page: there is
 * no rehype-raw). Links go only to http(s) and mailto and open in a new tab without `window.opener`;
 * images are not rendered, so a reply cannot make the browser fetch a URL by itself.
 */
const SAFE_PROTOCOL = /^(https?:|mailto:)/i;

export function safeUrl(url: string): string {
  const trimmed = url.trim();
  // Only absolute URLs with an allowed scheme; anything else (javascript:, data:, vbscript:, relative) is dropped.
  return SAFE_PROTOCOL.test(trimmed) ? trimmed : '';
}

const components: Components = {
  a: ({ href, children }) =>
    href ? (
      <a href={href} target="_blank" rel="noopener noreferrer" className="font-medium underline underline-offset-2">
        {children}
      </a>
    ) : (
      <span>{children}</span>
    ),
  p: ({ children }) => <p className="my-0 [&+*]:mt-2">{children}</p>,
  ul: ({ children }) => <ul className="my-2 list-disc space-y-1 ps-5">{children}</ul>,
  ol: ({ children }) => <ol className="my-2 list-decimal space-y-1 ps-5">{children}</ol>,
  pre: ({ children }) => (
    // Long code scrolls sideways inside its own box instead of widening the bubble.
    <pre className="my-2 max-w-full overflow-x-auto rounded-lg bg-slate-900 p-3 text-[0.8125rem] leading-5 text-slate-100 dark:bg-slate-950">
      {children}
    </pre>
  ),
  code: ({ className, children }) => (
    <code className={`${className ?? ''} rounded bg-slate-200/70 px-1 font-mono text-[0.875em] wrap-anywhere in-[pre]:bg-transparent in-[pre]:p-0 in-[pre]:wrap-normal dark:bg-slate-700/70`}>
      {children}
    </code>
  ),
  table: ({ children }) => (
    <div className="my-2 max-w-full overflow-x-auto">
      <table className="border-collapse text-sm [&_td]:border [&_td]:px-2 [&_td]:py-1 [&_th]:border [&_th]:px-2 [&_th]:py-1">{children}</table>
    </div>
  ),
  h1: ({ children }) => <p className="my-2 font-semibold">{children}</p>,
  h2: ({ children }) => <p className="my-2 font-semibold">{children}</p>,
  h3: ({ children }) => <p className="my-2 font-semibold">{children}</p>,
};

export function Markdown({ text }: { text: string }) {
  return (
    <ReactMarkdown
      remarkPlugins={[remarkGfm]}
      urlTransform={safeUrl}
      skipHtml
      disallowedElements={['img']}
      components={components}
    >
      {text}
    </ReactMarkdown>
  );
}
