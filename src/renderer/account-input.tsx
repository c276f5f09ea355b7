import { useId, useState } from 'react';

/** Accounts whose name contains every typed word (any case): "bank check" finds Assets:Bank:Checking. */
export function matchAccounts(accounts: readonly string[], typed: string, limit = 8): string[] {
  const words = typed.toLowerCase().split(/[\s:]+/u).filter(Boolean);
  if (words.length === 0) return [];
  return accounts.filter((account) => words.every((word) => account.toLowerCase().includes(word)) && account !== typed).slice(0, limit);
}

/**
 * A combobox with type-ahead: suggestions as you type, ↓/↑ to choose, Tab or Enter takes the chosen one
 * (Enter with nothing chosen is left to the form, which posts). Escape closes the list.
 */
export function AccountInput({ accounts, value, onChange, label, autoFocus = false }: { accounts: readonly string[]; value: string; onChange: (value: string) => void; label: string; autoFocus?: boolean }) {
  const listId = useId();
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(-1);
  const suggestions = open ? matchAccounts(accounts, value) : [];
  const take = (account: string) => { onChange(account); setOpen(false); setActive(-1); };
  return (
    <span className="combobox">
      <input
        type="text" role="combobox" aria-label={label} aria-autocomplete="list" aria-expanded={suggestions.length > 0} aria-controls={listId}
        aria-activedescendant={active >= 0 && suggestions[active] ? `${listId}-${active}` : undefined}
        value={value} autoFocus={autoFocus} autoComplete="off" spellCheck={false}
        onChange={(event) => { onChange(event.target.value); setOpen(true); setActive(-1); }}
        onBlur={() => setOpen(false)}
        onKeyDown={(event) => {
          if (event.key === 'ArrowDown' && suggestions.length > 0) { event.preventDefault(); setActive((active + 1) % suggestions.length); }
          else if (event.key === 'ArrowUp' && suggestions.length > 0) { event.preventDefault(); setActive((active - 1 + suggestions.length) % suggestions.length); }
          else if (event.key === 'Escape') setOpen(false);
          else if ((event.key === 'Enter' || event.key === 'Tab') && active >= 0 && suggestions[active]) {
            if (event.key === 'Enter') event.preventDefault();
            take(suggestions[active]);
          }
        }}
      />
      {suggestions.length > 0 && (
        <ul id={listId} role="listbox" aria-label={`${label}: suggestions`} className="suggestions">
          {suggestions.map((account, index) => (
            <li key={account} id={`${listId}-${index}`} role="option" aria-selected={index === active} onMouseDown={(event) => { event.preventDefault(); take(account); }}>{account}</li>
          ))}
        </ul>
      )}
    </span>
  );
}
