import { jest } from '@jest/globals';

// Seeded kills, restarts and crashed services: minutes, bounded.
jest.setTimeout(600_000);
