/** Parley's mark: a speech bubble with a price tag's hole, drawn inline. */
export function Logo({ size = 28 }: { size?: number }) {
  return (
    <svg width={size} height={size} viewBox="0 0 32 32" aria-hidden="true" className="logo">
      <path
        d="M6 4h20a4 4 0 0 1 4 4v12a4 4 0 0 1-4 4H14l-7 6v-6H6a4 4 0 0 1-4-4V8a4 4 0 0 1 4-4z"
        fill="var(--brand)"
      />
      <circle cx="11" cy="14" r="2" fill="#fff" />
      <circle cx="16" cy="14" r="2" fill="#fff" opacity="0.8" />
      <circle cx="21" cy="14" r="2" fill="#fff" opacity="0.6" />
    </svg>
  );
}
