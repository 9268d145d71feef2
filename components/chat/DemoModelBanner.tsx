/** Makes it unmistakable that replies are canned, and says how to connect a real model. */
export function DemoModelBanner() {
  return (
    <aside
      aria-labelledby="demo-model-title"
      className="border-b border-amber-300 bg-amber-50 px-4 py-3 text-sm text-amber-950 dark:border-amber-700/60 dark:bg-amber-950/40 dark:text-amber-100"
    >
      <p id="demo-model-title" className="font-semibold">
        Demo mode: no language model is configured
      </p>
      <p className="mt-1 text-pretty">
        Replies come from Tether&rsquo;s built-in offline demo model. To use a real model, set{' '}
        <Code>OPENAI_API_KEY</Code> (or <Code>OPENAI_BASE_URL</Code> for an OpenAI-compatible server) and{' '}
        <Code>OPENAI_MODEL</Code>, then restart the server. See the README for details.
      </p>
    </aside>
  );
}

function Code({ children }: { children: string }) {
  return (
    <code className="rounded bg-amber-100 px-1 py-0.5 font-mono text-[0.8125rem] dark:bg-amber-900/50">{children}</code>
  );
}
