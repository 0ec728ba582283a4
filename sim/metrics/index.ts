export { DEFAULT_SAMPLE_EVERY_S, SimSampler, type SimSamplerOptions } from './sim-sampler.ts';
