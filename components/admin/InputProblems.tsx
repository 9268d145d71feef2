/** What was wrong with the page's query string, said on the page instead of failing it. */
export function InputProblems({ problems, note = 'Those filters were left out.' }: { problems: string[]; note?: string }) {
  if (problems.length === 0) return null;
  return (
    <div role="alert" className="rounded-md border border-amber-300 bg-amber-50 px-3 py-2 text-sm text-amber-950 dark:border-amber-700/60 dark:bg-amber-950/40 dark:text-amber-100">
      <p className="font-medium">Some of the address&apos;s filters could not be used. {note}</p>
      <ul className="mt-1 list-disc pl-5">
        {problems.map((problem) => (
          <li key={problem}>{problem}</li>
        ))}
      </ul>
    </div>
  );
}
