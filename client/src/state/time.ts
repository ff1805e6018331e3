import { useEffect, useState } from "react";

/** 14:05:09, for streams where seconds matter. */
export const clock = (iso: string) =>
  new Date(iso).toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit", second: "2-digit" });

/** Dec 2, 14:05. */
export const dateTime = (iso: string) =>
  new Date(iso).toLocaleString(undefined, {
    month: "short",
    day: "numeric",
    hour: "numeric",
    minute: "2-digit",
  });

/** 14:05 today, Dec 2, 14:05 on another day, Dec 2, 2025, 14:05 in another year: a chat time that stays true when read later. */
export function chatTime(iso: string, now = new Date()): string {
  const at = new Date(iso);
  if (at.toDateString() === now.toDateString()) return hourMinute(iso);
  if (at.getFullYear() === now.getFullYear()) return dateTime(iso);
  return at.toLocaleString(undefined, {
    month: "short",
    day: "numeric",
    year: "numeric",
    hour: "numeric",
    minute: "2-digit",
  });
}

/** Tue 14:05: a deadline days away ("Ship by Tue 14:05"); with the date too when it is over a week off. */
export function dayTime(iso: string, now = new Date()): string {
  const at = new Date(iso);
  const days = (at.getTime() - now.getTime()) / 86_400_000;
  if (at.toDateString() === now.toDateString()) return `today ${hourMinute(iso)}`;
  if (days > 6 || days < -6) return dateTime(iso);
  return at.toLocaleString(undefined, { weekday: "short", hour: "numeric", minute: "2-digit" });
}

/** 14:05: when something will happen, later today. */
export const hourMinute = (iso: string) =>
  new Date(iso).toLocaleTimeString(undefined, { hour: "numeric", minute: "2-digit" });

/** Seconds left until `until` (0 once past), ticking every second; 0 when there is no deadline. */
export function useCountdown(until: string | null): number {
  const [now, setNow] = useState(() => Date.now());
  useEffect(() => {
    if (!until) return;
    setNow(Date.now());
    const timer = setInterval(() => setNow(Date.now()), 1000);
    return () => clearInterval(timer);
  }, [until]);
  return until ? Math.max(0, Math.floor((Date.parse(until) - now) / 1000)) : 0;
}

/** 125 → "2:05". */
export const mmss = (seconds: number) =>
  `${Math.floor(seconds / 60)}:${String(seconds % 60).padStart(2, "0")}`;
