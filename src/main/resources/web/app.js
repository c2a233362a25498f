// The Metis web page: reads the open JSON API and renders it; re-arming sends the admin token, which
// stays in this tab's sessionStorage only. Every value goes in as text, never as markup.

const TOKEN_KEY = 'metis-admin-token';
const RECENT_EVENTS = 25;
const view = document.getElementById('view');

function el(tag, props = {}, ...children) {
  const node = document.createElement(tag);
  for (const [key, value] of Object.entries(props)) {
    if (key === 'class') node.className = value;
    else node.setAttribute(key, value);
  }
  for (const child of children.flat(Infinity)) {
    if (child !== null && child !== undefined) node.append(child instanceof Node ? child : String(child));
  }
  return node;
}

async function getJson(path) {
  const response = await fetch(path, { headers: { Accept: 'application/json' } });
  const body = await response.json();
  if (!response.ok) throw new Error(`${path}: ${response.status} ${body.error ?? ''}`);
  return body;
}

function time(iso) {
  if (!iso) return el('span', { class: 'muted' }, 'never');
  const at = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  const text = `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())} `
    + `${pad(at.getHours())}:${pad(at.getMinutes())}:${pad(at.getSeconds())}`;
  return el('time', { datetime: iso, title: iso }, text);
}

const stateBadge = (state) => el('span', { class: `badge state-${state}`, 'data-state': state }, state);
// A config hash, or for a node that phoned home with a config Metis does not know, its instance-id.
const shortHash = (hash) => (hash ? el('code', { title: hash }, hash.replace(/^instance-id:/, '').slice(0, 12))
  : el('span', { class: 'muted' }, '—'));
const drift = (node) => (node.drift ? el('span', { class: 'drift' }, 'drift') : el('span', { class: 'muted' }, '—'));

function table(headers, rows, props = {}) {
  return el('table', props, el('thead', {}, el('tr', {}, headers.map((h) => el('th', {}, h)))),
    el('tbody', {}, rows));
}

function section(title, count, ...content) {
  return el('section', {}, el('h2', {}, title, count === null ? null : el('span', { class: 'count' }, ` (${count})`)),
    ...content);
}

function nodesSection(nodes) {
  const rows = nodes.map((n) => el('tr', { 'data-node': n.name },
    el('td', {}, el('a', { href: `#/nodes/${encodeURIComponent(n.name)}` }, n.name)),
    el('td', {}, n.class), el('td', { class: 'mono' }, n.mac), el('td', { class: 'mono' }, n.ip ?? 'DHCP'),
    el('td', {}, n.delivery), el('td', {}, stateBadge(n.state)), el('td', {}, time(n.last_seen)),
    el('td', {}, drift(n))));
  return section('Nodes', nodes.length,
    table(['Name', 'Class', 'MAC', 'IP', 'Delivery', 'State', 'Last seen', 'Drift'], rows, { id: 'nodes' }));
}

async function copy(text, button) {
  try {
    await navigator.clipboard.writeText(text);
    button.textContent = 'Copied';
  } catch {
    // No clipboard outside a secure context (plain HTTP to another host): let the user copy by hand.
    window.getSelection().selectAllChildren(button.previousElementSibling);
    button.textContent = 'Selected';
  }
}

function discoveredSection(discovered) {
  if (discovered.length === 0) {
    return section('Discovered MACs', 0, el('p', { class: 'muted' }, 'No unknown MAC has asked to boot.'));
  }
  const rows = discovered.map((d) => {
    const ip = d.last_address ? `${d.last_address}/24` : '10.20.0.x/24';
    const snippet = `  new-node: {class: CLASS, mac: "${d.mac}", ip: ${ip}}`;
    const button = el('button', { type: 'button' }, 'Copy');
    button.addEventListener('click', () => copy(snippet, button));
    return el('tr', {}, el('td', { class: 'mono' }, d.mac), el('td', {}, time(d.last_seen)),
      el('td', { class: 'mono' }, d.last_address ?? '—'), el('td', {}, d.requests),
      el('td', {}, el('div', { class: 'snippet' }, el('code', {}, snippet), button)));
  });
  return section('Discovered MACs', discovered.length,
    el('p', { class: 'muted' }, 'Unknown machines that asked to boot. To adopt one, add it under nodes: in the inventory.'),
    table(['MAC', 'Last seen', 'Address', 'Requests', 'Inventory entry'], rows, { id: 'discovered' }));
}

function eventRows(events, withNode) {
  return events.map((e) => el('tr', {}, el('td', {}, time(e.at)),
    withNode ? el('td', {}, el('a', { href: `#/nodes/${encodeURIComponent(e.node)}` }, e.node)) : null,
    el('td', {}, e.event, eventDetail(e)), el('td', { class: 'mono' }, e.from ?? '—'), el('td', {}, shortHash(e.hash))));
}

// What the node said of a step (the disk written, MiB, cloud-init's stage or failing module); failures stand out.
function eventDetail(e) {
  if (!e.detail) return null;
  const failed = e.event === 'install-failed' || / (FAIL|WARN)(:|$)/.test(e.detail);
  return el('div', { class: failed ? 'drift' : 'muted' }, e.detail);
}

function eventsSection(nodes) {
  const events = nodes.flatMap((n) => n.events.map((e) => ({ ...e, node: n.name })))
    .sort((a, b) => b.at.localeCompare(a.at)).slice(0, RECENT_EVENTS);
  return section('Recent boot events', events.length, events.length === 0
    ? el('p', { class: 'muted' }, 'Nothing has booted yet.')
    : table(['Time', 'Node', 'Event', 'From', 'Config'], eventRows(events, true), { id: 'events' }));
}

function burnsSection(burns) {
  const rows = [...burns].reverse().map((b) => el('tr', {}, el('td', {}, time(b.at)), el('td', {}, b.node),
    el('td', {}, b.kind), el('td', { class: 'mono' }, b.target),
    el('td', {}, b.result === 'ok' ? el('span', { class: 'state-provisioned' }, 'ok')
      : el('span', { class: 'drift', title: b.error ?? '' }, b.result)),
    el('td', {}, `${(b.bytes / 1e9).toFixed(2)} GB, ${Math.round(b.seconds)} s`)));
  return section('Burn history', burns.length, burns.length === 0
    ? el('p', { class: 'muted' }, 'No card or image made yet (metis burn, metis image).')
    : table(['Time', 'Node', 'Kind', 'Target', 'Result', 'Size'], rows, { id: 'burns' }));
}

// The files nodes need that are missing or wrong (from /healthz), each with the nodes it concerns.
const assetProblems = (health) => health?.assets?.problems ?? [];

function assetsSection(problems) {
  const rows = problems.map((p) => el('tr', {}, el('td', {}, p.nodes.join(', ')), el('td', { class: 'mono' }, p.field),
    el('td', { class: 'mono' }, p.location), el('td', { class: 'drift' }, p.problem)));
  return section('Missing or wrong files', problems.length,
    el('p', { class: 'muted' }, 'Kernels, initrds and golden images these nodes need; Metis looks again by itself.'),
    table(['Nodes', 'Field', 'Location', 'Problem'], rows, { id: 'assets' }));
}

async function overview(health) {
  const [{ nodes, discovered }, { burns }] = await Promise.all([getJson('/api/v1/nodes'), getJson('/api/v1/burns')]);
  const problems = assetProblems(health);
  return [problems.length > 0 ? assetsSection(problems) : null, nodesSection(nodes), discoveredSection(discovered),
    el('div', { class: 'grid' }, eventsSection(nodes), burnsSection(burns))].filter((part) => part !== null);
}

function facts(node, health) {
  const pairs = [['Class', node.class], ['MAC', el('span', { class: 'mono' }, node.mac)],
    ['IP', el('span', { class: 'mono' }, node.ip ?? 'DHCP')], ['Arch', node.arch], ['Delivery', node.delivery],
    ['State', el('span', { id: 'node-state' }, stateBadge(node.state))], ['Last seen', time(node.last_seen)],
    ['Config (current)', shortHash(node.config_hash)], ['Served', shortHash(node.served_hash)],
    ['Provisioned', shortHash(node.provisioned_hash)], ['Drift', drift(node)]];
  if (node.secrets_error) pairs.push(['Secrets', el('span', { class: 'drift' }, node.secrets_error)]);
  const files = assetProblems(health).filter((p) => p.nodes.includes(node.name));
  if (files.length > 0) {
    pairs.push(['Files', el('span', { class: 'drift', id: 'node-assets' },
      files.map((p) => `${p.field}: ${p.location}: ${p.problem}`).join('; '))]);
  }
  return el('dl', { class: 'facts' }, pairs.map(([k, v]) => [el('dt', {}, k), el('dd', {}, v)]));
}

function rearmPanel(node) {
  const token = el('input', { type: 'password', id: 'admin-token', placeholder: 'admin token', autocomplete: 'off' });
  token.value = sessionStorage.getItem(TOKEN_KEY) ?? '';
  const message = el('div', { id: 'rearm-message' });
  const button = el('button', { type: 'button', class: 'primary', id: 'rearm' }, 'Re-arm');
  button.addEventListener('click', async () => {
    sessionStorage.setItem(TOKEN_KEY, token.value);
    message.className = 'message';
    message.textContent = 'Re-arming…';
    const response = await fetch(`/api/v1/nodes/${encodeURIComponent(node.name)}/reprovision`, {
      method: 'POST', headers: { Authorization: `Bearer ${token.value}` },
    });
    const body = await response.json().catch(() => ({}));
    if (response.ok) {
      message.className = 'message ok';
      message.textContent = `Re-armed: ${node.name} is now ${body.state}; it installs again at its next network boot.`;
      document.getElementById('node-state').replaceChildren(stateBadge(body.state));
    } else {
      message.className = 'message error';
      message.textContent = `Refused (${response.status}): ${body.error ?? response.statusText}`;
    }
  });
  return section('Re-arm', null,
    el('p', { class: 'muted' }, 'The node installs again at its next network boot. Needs the admin token '
      + '(kept in this tab only).'),
    el('div', { class: 'rearm' }, token, button), message);
}

function configSection(config) {
  const rows = config.explain.map((line) => el('tr', {}, el('td', { class: 'mono' }, line.path),
    el('td', { class: line.value === '<redacted>' ? 'mono redacted' : 'mono' }, line.removed
      ? `null (was ${line.removed.value}, set by ${line.removed.layer} at ${line.removed.file}:${line.removed.line})`
      : line.value),
    el('td', { class: 'nowrap' }, line.removed ? `removed by ${line.layer}` : line.layer),
    el('td', { class: 'mono muted' }, line.file ? `${line.file}:${line.line}` : '')));
  return section('Merged config', null,
    config.secrets_error ? el('p', { class: 'drift' }, `Secrets unavailable: ${config.secrets_error}`) : null,
    table(['Setting', 'Value', 'Set by', 'Where'], rows, { id: 'config' }),
    el('details', {}, el('summary', {}, 'As one document'), el('pre', {}, JSON.stringify(config.config, null, 2))));
}

async function nodePage(name, health) {
  const path = `/api/v1/nodes/${encodeURIComponent(name)}`;
  const [node, config] = await Promise.all([getJson(path), getJson(`${path}/config`)]);
  return [el('p', {}, el('a', { href: '#/' }, '← all nodes')), el('h1', {}, node.name),
    el('div', { class: 'grid' }, section('Node', null, facts(node, health)), rearmPanel(node)),
    section('Events', node.events.length, node.events.length === 0 ? el('p', { class: 'muted' }, 'None yet.')
      : table(['Time', 'Event', 'From', 'Config'], eventRows([...node.events].reverse(), false))),
    configSection(config)];
}

function showHealth(health) {
  document.getElementById('health').textContent = health === null ? ''
    : `${health.status} · ${health.nodes} nodes · inventory generation ${health.inventory_generation}`;
}

async function render() {
  const match = location.hash.match(/^#\/nodes\/(.+)$/);
  // The page works without it: health only adds the status line and the files nodes miss.
  const health = await getJson('/healthz').catch(() => null);
  try {
    view.replaceChildren(...await (match ? nodePage(decodeURIComponent(match[1]), health) : overview(health)));
  } catch (error) {
    view.replaceChildren(el('p', { class: 'message error' }, error.message));
  }
  showHealth(health);
}

window.addEventListener('hashchange', render);
document.getElementById('refresh').addEventListener('click', render);
render();
