import { useState } from "react";
import { hueOf } from "./avatar.js";

/** The item's image, or a placeholder drawn here from its id and title when it has none or it fails. */
export function ItemImage({ id, title, url }: { id: string; title: string; url: string | null }) {
  const [failed, setFailed] = useState<string | null>(null);
  if (url && failed !== url) {
    return <img className="item-image" src={url} alt={title} loading="lazy" onError={() => setFailed(url)} />;
  }
  const hue = hueOf(id);
  const gradient = `g-${id}`;
  return (
    <svg className="item-image" viewBox="0 0 400 300" preserveAspectRatio="xMidYMid slice" aria-hidden="true">
      <defs>
        <linearGradient id={gradient} x1="0" y1="0" x2="1" y2="1">
          <stop offset="0" stopColor={`hsl(${hue} 70% 92%)`} />
          <stop offset="1" stopColor={`hsl(${(hue + 40) % 360} 65% 80%)`} />
        </linearGradient>
      </defs>
      <rect width="400" height="300" fill={`url(#${gradient})`} />
      <circle cx="330" cy="60" r="90" fill={`hsl(${hue} 60% 70% / 0.35)`} />
      <circle cx="60" cy="260" r="70" fill={`hsl(${(hue + 40) % 360} 60% 60% / 0.25)`} />
      <text
        x="200"
        y="150"
        textAnchor="middle"
        dominantBaseline="central"
        fontSize="120"
        fontWeight="700"
        fill={`hsl(${hue} 45% 35%)`}
      >
        {(title.trim()[0] ?? "?").toUpperCase()}
      </text>
    </svg>
  );
}
