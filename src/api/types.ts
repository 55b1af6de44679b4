// TypeScript shapes of the messages the shim decodes and encodes (as protobufjs objects: snake_case
// field names, 64-bit integers as numbers, every field present after decode).
import type { AnyMessage } from './any.ts';
import type { Timestamp } from './timestamp.ts';

export const TypeNames = {
  createTaskRequest: 'containerd.task.v2.CreateTaskRequest',
  createTaskResponse: 'containerd.task.v2.CreateTaskResponse',
  stateRequest: 'containerd.task.v2.StateRequest',
  stateResponse: 'containerd.task.v2.StateResponse',
  startRequest: 'containerd.task.v2.StartRequest',
  startResponse: 'containerd.task.v2.StartResponse',
  deleteRequest: 'containerd.task.v2.DeleteRequest',
  deleteResponse: 'containerd.task.v2.DeleteResponse',
  pidsRequest: 'containerd.task.v2.PidsRequest',
  pidsResponse: 'containerd.task.v2.PidsResponse',
  pauseRequest: 'containerd.task.v2.PauseRequest',
  resumeRequest: 'containerd.task.v2.ResumeRequest',
  checkpointTaskRequest: 'containerd.task.v2.CheckpointTaskRequest',
  killRequest: 'containerd.task.v2.KillRequest',
  execProcessRequest: 'containerd.task.v2.ExecProcessRequest',
  resizePtyRequest: 'containerd.task.v2.ResizePtyRequest',
  closeIORequest: 'containerd.task.v2.CloseIORequest',
  updateTaskRequest: 'containerd.task.v2.UpdateTaskRequest',
  waitRequest: 'containerd.task.v2.WaitRequest',
  waitResponse: 'containerd.task.v2.WaitResponse',
  statsRequest: 'containerd.task.v2.StatsRequest',
  statsResponse: 'containerd.task.v2.StatsResponse',
  connectRequest: 'containerd.task.v2.ConnectRequest',
  connectResponse: 'containerd.task.v2.ConnectResponse',
  shutdownRequest: 'containerd.task.v2.ShutdownRequest',
  empty: 'google.protobuf.Empty',
  taskCreate: 'containerd.events.TaskCreate',
  taskStart: 'containerd.events.TaskStart',
  taskExit: 'containerd.events.TaskExit',
  taskDelete: 'containerd.events.TaskDelete',
  taskExecAdded: 'containerd.events.TaskExecAdded',
  taskExecStarted: 'containerd.events.TaskExecStarted',
  taskPaused: 'containerd.events.TaskPaused',
  taskResumed: 'containerd.events.TaskResumed',
  taskOOM: 'containerd.events.TaskOOM',
  any: 'google.protobuf.Any',
  forwardRequest: 'containerd.services.events.ttrpc.v1.ForwardRequest',
  envelope: 'containerd.types.Envelope',
  runcOptions: 'containerd.runc.v1.Options',
  checkpointOptions: 'containerd.runc.v1.CheckpointOptions',
  processDetails: 'containerd.runc.v1.ProcessDetails',
  runtimeInfo: 'containerd.types.RuntimeInfo',
  bootstrapParams: 'containerd.runtime.bootstrap.v1.BootstrapParams',
  bootstrapResult: 'containerd.runtime.bootstrap.v1.BootstrapResult',
  cgroupsV1Metrics: 'io.containerd.cgroups.v1.Metrics',
  cgroupsV2Metrics: 'io.containerd.cgroups.v2.Metrics',
} as const;

export const TaskServices = {
  v2: 'containerd.task.v2.Task',
  v3: 'containerd.task.v3.Task',
} as const;

export const EventTopics = {
  create: '/tasks/create',
  start: '/tasks/start',
  exit: '/tasks/exit',
  delete: '/tasks/delete',
  execAdded: '/tasks/exec-added',
  execStarted: '/tasks/exec-started',
  paused: '/tasks/paused',
  resumed: '/tasks/resumed',
  oom: '/tasks/oom',
} as const;

export type EventTopic = (typeof EventTopics)[keyof typeof EventTopics];

export enum TaskStatus {
  UNKNOWN = 0,
  CREATED = 1,
  RUNNING = 2,
  STOPPED = 3,
  PAUSED = 4,
  PAUSING = 5,
}

export interface Mount {
  type: string;
  source: string;
  target: string;
  options: string[];
}

export interface CreateTaskRequest {
  id: string;
  bundle: string;
  rootfs: Mount[];
  terminal: boolean;
  stdin: string;
  stdout: string;
  stderr: string;
  checkpoint: string;
  parent_checkpoint: string;
  options: AnyMessage | null;
}

export interface ProcessRef {
  id: string;
  exec_id: string;
}

export interface ExecProcessRequest extends ProcessRef {
  terminal: boolean;
  stdin: string;
  stdout: string;
  stderr: string;
  spec: AnyMessage | null;
}

export interface KillRequest extends ProcessRef {
  signal: number;
  all: boolean;
}

export interface ResizePtyRequest extends ProcessRef {
  width: number;
  height: number;
}

export interface CloseIORequest extends ProcessRef {
  stdin: boolean;
}

export interface CheckpointTaskRequest {
  id: string;
  path: string;
  options: AnyMessage | null;
}

export interface UpdateTaskRequest {
  id: string;
  resources: AnyMessage | null;
  annotations: Record<string, string>;
}

export interface ShutdownRequest {
  id: string;
  now: boolean;
}

export interface IdRequest {
  id: string;
}

export interface StateResponse {
  id: string;
  bundle: string;
  pid: number;
  status: TaskStatus;
  stdin: string;
  stdout: string;
  stderr: string;
  terminal: boolean;
  exit_status: number;
  exited_at: Timestamp;
  exec_id?: string;
}

export interface DeleteResponse {
  pid: number;
  exit_status: number;
  exited_at: Timestamp;
}

export interface WaitResponse {
  exit_status: number;
  exited_at: Timestamp;
}

export interface ProcessInfo {
  pid: number;
  info?: AnyMessage;
}

export interface ConnectResponse {
  shim_pid: number;
  task_pid: number;
  version?: string;
}

export interface RuncOptions {
  no_pivot_root: boolean;
  no_new_keyring: boolean;
  shim_cgroup: string;
  io_uid: number;
  io_gid: number;
  binary_name: string;
  root: string;
  criu_path: string;
  systemd_cgroup: boolean;
  criu_image_path: string;
  criu_work_path: string;
  task_api_address: string;
  task_api_version: number;
}

export interface CheckpointOptions {
  exit: boolean;
  open_tcp: boolean;
  external_unix_sockets: boolean;
  terminal: boolean;
  file_locks: boolean;
  empty_namespaces: string[];
  cgroups_mode: string;
  image_path: string;
  work_path: string;
  parent_path: string;
}

export interface BootstrapParams {
  instance_id: string;
  namespace: string;
  log_level: number;
  containerd_version: string;
  containerd_ttrpc_address: string;
  containerd_grpc_address: string;
  containerd_binary: string;
  extensions: { value: AnyMessage | null }[];
  socket_dir?: string;
}

export interface Envelope {
  timestamp: Timestamp;
  namespace: string;
  topic: string;
  event: AnyMessage;
}
