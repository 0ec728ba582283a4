export {
  DEFAULT_SAMPLE_EVERY_S,
  type ProcessMemory,
  SimSampler,
  type SimSamplerOptions,
} from './sim-sampler.ts';
