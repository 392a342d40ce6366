import { arch, availableParallelism, cpus, platform } from 'node:os';

/** The machine a report was measured on: figures are only comparable within one run on one machine. */
export interface MachineInfo {
  /** os.availableParallelism(): the cores this process may actually use. */
  readonly cores: number;
  readonly cpuModel: string;
  readonly nodeVersion: string;
  readonly platform: string;
}

export function machineInfo(): MachineInfo {
  return {
    cores: availableParallelism(),
    cpuModel: cpus()[0]?.model.trim() ?? 'unknown',
    nodeVersion: process.version,
    platform: `${platform()} ${arch()}`,
  };
}
