const escape = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/**
 * Makes compose's output speak of files as the registry does, relative to the projects folder:
 * answers and error details reach clients, who have no business learning the host's layout.
 * The files handed over as `/dev/fd/N` get their registered names back.
 */
export function relativizeOutput(roots: string[], handedOver: Map<string, string>): (line: string) => string {
  const patterns = [...new Set(roots)]
    .sort((a, b) => b.length - a.length)
    .map((root) => new RegExp(`${escape(root)}(/|(?![\\w-]))`, 'g'));
  return (line) => {
    let out = line.replace(/\/dev\/fd\/\d+/g, (fd) => handedOver.get(fd) ?? fd);
    for (const pattern of patterns) out = out.replace(pattern, (_match, slash: string) => (slash === '/' ? '' : '.'));
    return out;
  };
}
