import { jest } from '@jest/globals';

// Load balancers and servers on the testbed take seconds each; a whole lifecycle, minutes.
jest.setTimeout(600_000);
