// containerd.runc.v1.Options as the shim uses them, with the defaults the Go shim applies.
import { isEmptyAny, unpackAny, type AnyMessage } from '../api/any.ts';
import { TypeNames, type RuncOptions } from '../api/types.ts';

export { DEFAULT_RUNC_BINARY, DEFAULT_RUNC_ROOT, runcBinary, runcRoot } from './runc-paths.ts';

export function emptyRuncOptions(): RuncOptions {
  return {
    no_pivot_root: false,
    no_new_keyring: false,
    shim_cgroup: '',
    io_uid: 0,
    io_gid: 0,
    binary_name: '',
    root: '',
    criu_path: '',
    systemd_cgroup: false,
    criu_image_path: '',
    criu_work_path: '',
    task_api_address: '',
    task_api_version: 0,
  };
}

/** Options from an Any (Create, start stdin, -info stdin); empty Any → defaults; any other type is refused. */
export function runcOptionsFromAny(any: AnyMessage | null | undefined): RuncOptions {
  if (!any || isEmptyAny(any)) return emptyRuncOptions();
  return { ...emptyRuncOptions(), ...unpackAny<RuncOptions>(any, TypeNames.runcOptions) };
}
