import { useEffect, useState } from 'preact/hooks';

type Theme = 'light' | 'dark';
const KEY = 'lucid-docker.theme';

function initial(): Theme {
  try {
    const saved = localStorage.getItem(KEY);
    if (saved === 'light' || saved === 'dark') return saved;
  } catch {
    // No storage: follow the system.
  }
  return matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light';
}

/** Light or dark, the system's by default; the choice is remembered. */
export function ThemeToggle() {
  const [theme, setTheme] = useState<Theme>(initial);
  useEffect(() => {
    document.documentElement.dataset['theme'] = theme;
  }, [theme]);
  const other: Theme = theme === 'dark' ? 'light' : 'dark';
  return (
    <button
      type="button"
      class="quiet"
      aria-label={`Switch to the ${other} theme`}
      onClick={() => {
        setTheme(other);
        try {
          localStorage.setItem(KEY, other);
        } catch {
          // Not remembered; still switched.
        }
      }}
    >
      {theme === 'dark' ? '☀' : '☾'}
    </button>
  );
}
