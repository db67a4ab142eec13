import { describe, expect, it } from '@jest/globals';
import { mlTaskRequestFrom, renderLogs } from '../../src/cli/commands/mltasks.js';

describe('kaasctl mltasks', () => {
  it('reads an MLTask manifest as kubectl would take it', () => {
    const body = mlTaskRequestFrom(
      [
        'apiVersion: ml.kaas.dev/v1alpha1',
        'kind: MLTask',
        'metadata: { name: resnet, namespace: team-a }',
        'spec: { image: x, command: [run], workers: 2 }',
      ].join('\n'),
      'task.yaml',
    );
    expect(body).toEqual({
      name: 'resnet',
      namespace: 'team-a',
      spec: { image: 'x', command: ['run'], workers: 2 },
    });
  });

  it("takes the API's own body as it is, and refuses other kinds", () => {
    expect(mlTaskRequestFrom('{"name":"a","spec":{"image":"x"}}', 'a.json')).toEqual({
      name: 'a',
      spec: { image: 'x' },
    });
    expect(() => mlTaskRequestFrom('kind: Job\nmetadata: { name: j }', 'job.yaml')).toThrow(
      'job.yaml is a Job, not an MLTask',
    );
    expect(() => mlTaskRequestFrom('kind: MLTask\nspec: {}', 't.yaml')).toThrow(
      't.yaml: metadata.name is missing',
    );
  });

  it("prints each worker's last lines under a header, then how to follow them", () => {
    const text = renderLogs({
      name: 'resnet',
      namespace: 'default',
      phase: 'Running',
      message: '2 of 2 workers running',
      kubectl: 'kubectl logs …',
      workers: [
        { index: 0, pod: 'resnet-0-a', node: 'gpu-1', phase: 'Running', log: 'epoch 1\n' },
        { index: 1, pod: 'resnet-1-b', phase: 'Pending', logError: 'not started' },
      ],
    });
    expect(text).toBe(
      [
        'default/resnet: Running: 2 of 2 workers running',
        '==> worker 0 (resnet-0-a, on gpu-1, Running) <==\nepoch 1',
        '==> worker 1 (resnet-1-b, Pending) <==\n(no output: not started)',
        'follow them with: kubectl logs …',
      ].join('\n\n'),
    );
  });
});
