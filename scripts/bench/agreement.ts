// Before measuring: the floor and the peers must give the answers the system
// gives, or a ratio would compare different work. A difference is a warning.
import axios from 'axios';
import { VOLUME } from './data.ts';
import { DASHBOARD_BODY, pagesBody, SCENARIO_NAMES, SCENARIOS } from './scenarios.ts';
import type { StartedSystem } from './setup.ts';

// The processes that answer the dashboard.
const DASHBOARD_TARGETS = [
  ...new Set(SCENARIO_NAMES.filter((n) => SCENARIOS[n].graphql).map((n) => SCENARIOS[n].target)),
];

/** The dashboard as the gateway, the floor and the peers answer it: they must agree, or the floor measures other work. */
async function compareDashboards(system: StartedSystem): Promise<string[]> {
  // The identical query and a few distinct pages, each asked of every process that answers the dashboard.
  const bodies = [
    DASHBOARD_BODY,
    ...Array.from({ length: 6 }, () => pagesBody(VOLUME.customers, VOLUME.orders)),
  ];
  const differ = new Set<string>();
  for (const body of bodies) {
    const answers: Array<[string, string]> = [];
    for (const name of DASHBOARD_TARGETS) {
      const proc = system.procs[name];
      if (!proc) continue;
      const { data } = await axios.post(`${proc.url}/graphql`, body, {
        headers: { 'content-type': 'application/json' },
        transformResponse: (text: string) => text,
      });
      answers.push([name, JSON.stringify(JSON.parse(String(data)))]);
    }
    const [reference, ...others] = answers;
    for (const [name, answer] of others) if (answer !== reference?.[1]) differ.add(name);
  }
  const rest = await compareLevels(system);
  return [
    ...[...differ].map((name) => `the dashboard answer of ${name} differs from the gateway's`),
    ...rest,
  ];
}

/** GET /inventory/:productId as inventory-service and the floor answer it, for a few products. */
async function compareLevels(system: StartedSystem): Promise<string[]> {
  const [service, floor] = [system.procs['inventory-service'], system.procs.floor];
  if (!service || !floor) return [];
  for (const id of [1, 2, VOLUME.products]) {
    const read = async (url: string) =>
      JSON.stringify((await axios.get(`${url}/inventory/${id}`, { transformResponse: (t) => t })).data);
    if ((await read(service.url)) !== (await read(floor.url))) {
      return [`the floor's GET /inventory/${id} differs from inventory-service's`];
    }
  }
  return [];
}

/** Every way a floor or a peer answers differently from the system, one line each. */
export async function answersDiffer(system: StartedSystem): Promise<string[]> {
  return [...(await compareDashboards(system)), ...(await compareLevels(system))];
}
