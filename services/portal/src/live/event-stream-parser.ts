// The framing of server-sent events, for reading attendance's GET /changes (and the tests' streams).
/**
 * Feeds text of an event stream and reports its events and comments (the WHATWG framing: lines of
 * `field: value`, an empty line ends an event). Hand-written, about twenty lines: eventsource-parser
 * 3 (4 needs Node 22) exports its TypeScript sources under the "source" condition, which
 * tsconfig.tools.json resolves for the workspace and then cannot compile.
 */
export function eventStreamParser(
  onEvent: (event: string, data: string) => void,
  onComment: (comment: string) => void,
): (text: string) => void {
  let buffer = '';
  let event = '';
  let data: string[] = [];
  return (text) => {
    buffer += text;
    const lines = buffer.split(/\r\n|\r|\n/);
    buffer = lines.pop() ?? '';
    for (const line of lines) {
      if (line === '') {
        if (data.length > 0) onEvent(event || 'message', data.join('\n'));
        event = '';
        data = [];
      } else if (line.startsWith(':')) {
        onComment(line.slice(1).trim());
      } else {
        const colon = line.indexOf(':');
        const field = colon < 0 ? line : line.slice(0, colon);
        const value = colon < 0 ? '' : line.slice(colon + 1).replace(/^ /, '');
        if (field === 'event') event = value;
        else if (field === 'data') data.push(value);
      }
    }
  };
}
