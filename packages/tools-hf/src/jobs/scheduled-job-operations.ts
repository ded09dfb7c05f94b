import type { SpaceHardwareFlavor } from '@huggingface/hub';
import { ToolExecutionError } from '@ml-intern/core';
import type { HubCall } from '../hub-call.js';
import { loadHub } from '../hub-library.js';
import { formatScheduledJob } from './job-format.js';
import { buildJobSpec, parseTimeout, type JobSpecInput } from './job-spec.js';
import type { HardwarePricing } from './hardware-pricing.js';

export const SCHEDULED_OPERATIONS = ['scheduled run', 'scheduled ps', 'scheduled inspect', 'scheduled delete', 'scheduled suspend', 'scheduled resume'] as const;

export interface ScheduledInput extends JobSpecInput {
  operation: string;
  scheduled_job_id?: string | undefined;
  schedule?: string | undefined;
  hardware_flavor: string;
  timeout: string;
}

const SCHEDULE = /^(@(hourly|daily|weekly|monthly|yearly|annually|midnight)|(\S+\s+){4}\S+)$/;

/** Create, list, inspect, delete, suspend and resume scheduled (cron) jobs. */
export async function runScheduledOperation(
  call: HubCall,
  input: ScheduledInput,
  context: { namespace: string; cwd: string; passToken: boolean; pricing: HardwarePricing; hostEnv?: Readonly<Record<string, string | undefined>> | undefined; extraEnv?: Record<string, string> | undefined; readWorkspaceFile?: ((file: string) => Promise<string | undefined>) | undefined },
): Promise<string> {
  const { namespace } = context;
  const library = { ...call.library, namespace };
  const { createScheduledJob, deleteScheduledJob, getScheduledJob, listScheduledJobs, resumeScheduledJob, suspendScheduledJob } = await loadHub();
  const id = () => {
    if (!input.scheduled_job_id) throw new ToolExecutionError(`${input.operation} needs scheduled_job_id.`);
    return input.scheduled_job_id;
  };
  switch (input.operation) {
    case 'scheduled run': {
      const schedule = input.schedule?.trim();
      if (!schedule || !SCHEDULE.test(schedule)) throw new ToolExecutionError('scheduled run needs schedule: a 5-field cron expression ("0 9 * * 1") or @hourly, @daily, @weekly, @monthly.');
      const timeoutSeconds = parseTimeout(input.timeout);
      const spec = await buildJobSpec(input, { cwd: context.cwd, token: call.config.token, passToken: context.passToken, hostEnv: context.hostEnv, readWorkspaceFile: context.readWorkspaceFile });
      const created = await createScheduledJob({
        ...library,
        schedule,
        jobSpec: { dockerImage: spec.dockerImage, command: spec.command, environment: { ...spec.environment, ...context.extraEnv }, secrets: spec.secrets, flavor: input.hardware_flavor as SpaceHardwareFlavor, timeoutSeconds },
      });
      const estimate = context.pricing.estimate(input.hardware_flavor, timeoutSeconds);
      return `Created scheduled job ${created.id} (${schedule})${estimate ? `, up to $${estimate.usd.toFixed(2)} per run` : ''}.\n${formatScheduledJob(created)}`;
    }
    case 'scheduled ps': {
      const jobs = await listScheduledJobs(library);
      if (jobs.length === 0) return `No scheduled jobs in ${namespace}.`;
      return [`# Scheduled jobs of ${namespace} (${jobs.length})`, ...jobs.slice(0, 50).map((job) => `\n${formatScheduledJob(job)}`)].join('\n');
    }
    case 'scheduled inspect':
      return formatScheduledJob(await getScheduledJob({ ...library, jobId: id() }));
    case 'scheduled delete':
      await deleteScheduledJob({ ...library, jobId: id() });
      return `Deleted scheduled job ${input.scheduled_job_id}.`;
    case 'scheduled suspend':
      await suspendScheduledJob({ ...library, jobId: id() });
      return `Suspended scheduled job ${input.scheduled_job_id}; resume it with scheduled resume.`;
    case 'scheduled resume':
      await resumeScheduledJob({ ...library, jobId: id() });
      return `Resumed scheduled job ${input.scheduled_job_id}.`;
    default:
      throw new ToolExecutionError(`unknown operation ${input.operation}`);
  }
}
