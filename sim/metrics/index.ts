export {
  DEFAULT_SAMPLE_EVERY_S,
  SimSampler,
  type SimSamplerOptions,
  latencyStats,
} from './sim-sampler.ts';
