// One request for every Task method that names a container, for the suites that send each method the same id
// (hostile ids, unknown ids): kept in one place so that a method added to the shim is added to all of them.
import { TypeNames as T } from '../../../src/api/types.ts';
import { processSpec } from './helpers.ts';

export type TaskRequest = [method: string, type: string, req: object];

export interface TaskRequestValues {
  /** the container every request names */
  id: string;
  /** the process the methods in EXEC_METHODS act on ('' for the container's init) */
  execId: string;
  /** the exec id Exec would create (Exec needs one even where the others act on init) */
  newExecId: string;
  /** Kill's signal (0 where a kill that went ahead must harm nothing) */
  signal: number;
  /** where Checkpoint would write its image */
  checkpointPath: string;
}

/** The methods whose request names an existing process by exec id (Exec names the one it would make). */
export const EXEC_METHODS: ReadonlySet<string> = new Set([
  'State',
  'Start',
  'Delete',
  'Kill',
  'Wait',
  'CloseIO',
  'ResizePty',
]);

export function taskRequests(v: TaskRequestValues): TaskRequest[] {
  const { id, execId } = v;
  return [
    ['State', T.stateRequest, { id, exec_id: execId }],
    ['Start', T.startRequest, { id, exec_id: execId }],
    ['Delete', T.deleteRequest, { id, exec_id: execId }],
    ['Kill', T.killRequest, { id, exec_id: execId, signal: v.signal }],
    ['Wait', T.waitRequest, { id, exec_id: execId }],
    ['CloseIO', T.closeIORequest, { id, exec_id: execId, stdin: true }],
    ['ResizePty', T.resizePtyRequest, { id, exec_id: execId, width: 80, height: 24 }],
    ['Pids', T.pidsRequest, { id }],
    ['Pause', T.pauseRequest, { id }],
    ['Resume', T.resumeRequest, { id }],
    ['Stats', T.statsRequest, { id }],
    ['Checkpoint', T.checkpointTaskRequest, { id, path: v.checkpointPath }],
    [
      'Update',
      T.updateTaskRequest,
      {
        id,
        resources: {
          type_url: 'types.containerd.io/opencontainers/runtime-spec/1/LinuxResources',
          value: Buffer.from('{}'),
        },
      },
    ],
    ['Exec', T.execProcessRequest, { id, exec_id: v.newExecId, spec: processSpec(['true']) }],
  ];
}
