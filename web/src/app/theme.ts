/** Light, dark, or the system's choice; remembered per browser. The palette itself is CSS variables in styles.css. */
import { useEffect, useState } from "react";

/** The user's choice. */
export type ThemeChoice = "system" | "light" | "dark";

const STORAGE = "fleet-rlm.theme";

/** The current theme choice and a setter that applies it to `<html data-theme>`. */
export function useTheme(): [ThemeChoice, (choice: ThemeChoice) => void] {
  const [choice, setChoice] = useState<ThemeChoice>(() => (localStorage.getItem(STORAGE) as ThemeChoice) ?? "system");
  useEffect(() => {
    if (choice === "system") {
      delete document.documentElement.dataset.theme;
      localStorage.removeItem(STORAGE);
    } else {
      document.documentElement.dataset.theme = choice;
      localStorage.setItem(STORAGE, choice);
    }
  }, [choice]);
  return [choice, setChoice];
}
