import { describe, expect, it } from 'vitest';
import { buildBubblewrapArguments, type BubblewrapPlan } from './bubblewrap-arguments.js';
import { parseNvidiaSmiOutput, selectNvidiaDevices } from './host-probe.js';
import { findPidsCgroup, ulimitCommands } from './process-limits.js';
import { buildSandboxEnvironment } from './sandbox-environment.js';

const plan: BubblewrapPlan = {
  workspace: '/home/user/project',
  cwd: '/home/user/project/src',
  network: false,
  runAsNobody: false,
  hiddenDirectories: ['/root', '/home', '/run'],
  hiddenFiles: ['/etc/shadow'],
  readOnlyPaths: ['/home/user/.pyenv/versions/3.11.7', '/usr'],
  writablePaths: [],
  protectedPaths: ['/home/user/project/.git'],
  devices: [],
  home: '/tmp/home',
  shell: '/bin/bash',
  command: 'echo hi',
};

function pairsOf(args: string[], flag: string): string[][] {
  const found: string[][] = [];
  args.forEach((value, index) => {
    if (value === flag) found.push(args.slice(index + 1, index + (flag === '--tmpfs' || flag === '--remount-ro' ? 2 : 3)));
  });
  return found;
}

describe('buildBubblewrapArguments', () => {
  it('isolates network, hides homes, binds the workspace read-write and .git read-only', () => {
    const args = buildBubblewrapArguments(plan);
    expect(args).toContain('--unshare-all');
    expect(args).not.toContain('--share-net');
    expect(args).toContain('--die-with-parent');
    expect(pairsOf(args, '--tmpfs')).toEqual([['/tmp'], ['/root'], ['/home'], ['/run']]);
    // Only the interpreter under the hidden /home is bound back; /usr is visible through the root.
    expect(pairsOf(args, '--ro-bind')).toEqual([['/', '/'], ['/dev/null', '/etc/shadow'], ['/home/user/.pyenv/versions/3.11.7', '/home/user/.pyenv/versions/3.11.7'], ['/home/user/project/.git', '/home/user/project/.git']]);
    expect(pairsOf(args, '--bind')).toEqual([['/home/user/project', '/home/user/project']]);
    // The workspace is bound after the masks that cover it, and the masks become read-only last.
    expect(args.indexOf('--bind')).toBeGreaterThan(args.lastIndexOf('--tmpfs'));
    expect(args.indexOf('--remount-ro')).toBeGreaterThan(args.indexOf('--bind'));
    expect(args.slice(-6)).toEqual(['--chdir', '/home/user/project/src', '--', '/bin/bash', '-c', 'echo hi']);
  });

  it('checks the protected paths are what was planned before running the command', () => {
    const guarded = buildBubblewrapArguments({ ...plan, protectedPaths: ['/home/user/project/.git', '/home/user/project/.env'], protectedIdentities: ['64:10', '64:11'], statCommand: '/usr/bin/stat' });
    const tail = guarded.slice(guarded.indexOf('--chdir'));
    expect(tail.slice(0, 5)).toEqual(['--chdir', '/home/user/project/src', '--', '/bin/bash', '-c']);
    expect(tail[5]).toContain('exec "$g_shell" -c "$g_command"');
    expect(tail.slice(6)).toEqual(['/bin/bash', 'echo hi', '/usr/bin/stat', '64:10\n64:11', '/home/user/project/.git', '/home/user/project/.env']);
    // Without identities (or stat), the command runs directly.
    expect(buildBubblewrapArguments({ ...plan, statCommand: '/usr/bin/stat' }).slice(-3)).toEqual(['/bin/bash', '-c', 'echo hi']);
  });

  it('shares the network and maps to nobody when asked', () => {
    const args = buildBubblewrapArguments({ ...plan, network: true, runAsNobody: true });
    expect(args).toContain('--share-net');
    expect(args.join(' ')).toContain('--unshare-user --uid 65534 --gid 65534');
  });

  it('never remounts the workspace read-only when it is a hidden directory itself', () => {
    const args = buildBubblewrapArguments({ ...plan, workspace: '/root', cwd: '/root', protectedPaths: [] });
    expect(pairsOf(args, '--tmpfs')).not.toContainEqual(['/root']);
    expect(pairsOf(args, '--remount-ro')).not.toContainEqual(['/root']);
  });

  it('dev-binds exactly the NVIDIA nodes, never all of /dev', () => {
    const devices = selectNvidiaDevices(['null', 'sda', 'nvidia-modeset', 'nvidia10', 'nvidiactl', 'nvidia1', 'nvidia0', 'nvidia-uvm', 'nvidia-uvm-tools', 'nvidia-caps', 'nvidiafake']);
    expect([...devices].sort()).toEqual(['/dev/nvidia-caps', '/dev/nvidia-uvm', '/dev/nvidia-uvm-tools', '/dev/nvidia0', '/dev/nvidia1', '/dev/nvidia10', '/dev/nvidiactl']);
    const args = buildBubblewrapArguments({ ...plan, devices });
    expect(pairsOf(args, '--dev-bind').map(([source]) => source).sort()).toEqual([...devices].sort());
    expect(pairsOf(args, '--dev-bind').every(([source, target]) => source === target)).toBe(true);
    expect(args.join(' ')).not.toContain('--dev-bind /dev /dev');
  });
});

describe('host probes', () => {
  it('parses nvidia-smi CSV with or without units', () => {
    expect(parseNvidiaSmiOutput('NVIDIA H200, 143771 MiB\nNVIDIA A10G, 23028 MiB\n')).toEqual([
      { name: 'NVIDIA H200', memoryMiB: 143_771 },
      { name: 'NVIDIA A10G', memoryMiB: 23_028 },
    ]);
    expect(parseNvidiaSmiOutput('Tesla T4, 15360\n')).toEqual([{ name: 'Tesla T4', memoryMiB: 15_360 }]);
  });

  it('finds the pids cgroup of cgroup v1 and ignores v2 without pids delegated', () => {
    const mountinfo = '39 31 0:36 / /sys/fs/cgroup/pids rw,relatime - cgroup cgroup rw,pids\n41 31 0:38 / /sys/fs/cgroup/unified rw,relatime - cgroup2 cgroup2 rw';
    expect(findPidsCgroup({ cgroup: '8:pids:/user.slice\n0::/', mountinfo })).toBe('/sys/fs/cgroup/pids/user.slice');
    expect(findPidsCgroup({ cgroup: '0::/does-not-exist', mountinfo })).toBeUndefined();
  });

  it('turns limits into ulimit commands', () => {
    expect(ulimitCommands({ memoryMiB: 256, cpuSeconds: 10, processes: 64 })).toEqual(['ulimit -v 262144', 'ulimit -t 10', 'ulimit -u 64', 'ulimit -c 0']);
    expect(ulimitCommands({})).toEqual(['ulimit -c 0']);
  });

  it('builds a minimal environment', () => {
    const environment = buildSandboxEnvironment(
      { PATH: '/root/.pyenv/shims:/usr/bin', HF_TOKEN: 'hf_secret', AWS_SECRET_ACCESS_KEY: 'x', TERM: 'xterm', WANDB_API_KEY: 'w' },
      { passthrough: ['WANDB_API_KEY'], set: { FOO: 'bar' } },
      { home: '/tmp/home', tmp: '/tmp', pathPrefix: ['/opt/python/bin'] },
    );
    expect(environment).toEqual({
      PATH: '/opt/python/bin:/root/.pyenv/shims:/usr/bin',
      TERM: 'xterm',
      WANDB_API_KEY: 'w',
      HOME: '/tmp/home',
      TMPDIR: '/tmp',
      PYTHONUNBUFFERED: '1',
      LANG: 'C.UTF-8',
      FOO: 'bar',
    });
    expect(() => buildSandboxEnvironment({}, { passthrough: ['BAD NAME'] }, { home: '/h', tmp: '/t' })).toThrow(/invalid environment variable/);
  });
});
