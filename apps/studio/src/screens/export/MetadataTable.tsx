/** The header metadata the file will carry (trigger word, base model, rank/alpha, …); long values fold away. */
export function MetadataTable({ metadata }: { metadata: Record<string, string> }) {
  const entries = Object.entries(metadata).sort(([a], [b]) => a.localeCompare(b));
  return (
    <details className="export-metadata" data-testid="export-metadata" open>
      <summary>
        Metadata <span className="hint">({entries.length} keys)</span>
      </summary>
      <table>
        <tbody>
          {entries.map(([key, value]) => (
            <tr key={key} data-key={key}>
              <th scope="row" className="mono">
                {key}
              </th>
              <td className="mono">
                {value.length > 160 ? (
                  <details>
                    <summary>{value.slice(0, 120)}…</summary>
                    <pre>{value}</pre>
                  </details>
                ) : (
                  value
                )}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </details>
  );
}
