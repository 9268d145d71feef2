/**
 * A thumbs-up or thumbs-down mark, drawn (not an emoji: a system without an emoji font shows a box).
 * Decorative: the text beside it says what it means.
 */
export function Thumb({ rating, className = 'size-3.5' }: { rating: 'up' | 'down'; className?: string }) {
  return (
    <svg
      aria-hidden="true"
      viewBox="0 0 24 24"
      fill="none"
      stroke="currentColor"
      strokeWidth="2"
      strokeLinecap="round"
      strokeLinejoin="round"
      className={`inline-block shrink-0 align-[-0.125em] ${rating === 'down' ? 'rotate-180' : ''} ${className}`}
    >
      <path d="M7 10v12" />
      <path d="M15 5.88 14 10h5.83a2 2 0 0 1 1.92 2.56l-2.33 8A2 2 0 0 1 17.5 22H4a2 2 0 0 1-2-2v-8a2 2 0 0 1 2-2h2.76a2 2 0 0 0 1.79-1.11L12 2a3.13 3.13 0 0 1 3 3.88Z" />
    </svg>
  );
}
