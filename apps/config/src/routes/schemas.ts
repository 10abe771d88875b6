// The JSON schemas the routes share; registered once with app.addSchema and referenced by $ref.
export const sharedSchemas = [
  {
    $id: 'CorefileError',
    type: 'object',
    required: ['file', 'line', 'column', 'message'],
    properties: { file: { type: 'string' }, line: { type: 'integer' }, column: { type: 'integer' }, message: { type: 'string' } },
  },
  {
    $id: 'Problem',
    type: 'object',
    required: ['statusCode', 'error', 'message'],
    properties: {
      statusCode: { type: 'integer' },
      error: { type: 'string' },
      message: { type: 'string' },
      errors: { type: 'array', items: { $ref: 'CorefileError#' } },
      current: { type: 'integer' },
    },
  },
  {
    $id: 'Fragment',
    type: 'object',
    required: ['name', 'version', 'targets', 'source', 'author', 'changedAt', 'readOnly'],
    properties: {
      name: { type: 'string' },
      version: { type: 'integer' },
      text: { type: 'string' },
      targets: { type: 'array', items: { type: 'string', enum: ['answerer', 'node-cache'] } },
      source: { type: 'object', properties: { kind: { type: 'string' }, configMap: { type: 'string' }, key: { type: 'string' } } },
      author: { type: 'string' },
      changedAt: { type: 'string' },
      readOnly: { type: 'boolean' },
      change: { type: 'string', enum: ['put', 'delete', 'rollback'] },
      rolledBackTo: { type: 'integer' },
      deleted: { type: 'boolean' },
    },
  },
  {
    $id: 'EffectiveConfig',
    type: 'object',
    required: ['target', 'version', 'corefile', 'fragments'],
    properties: {
      target: { type: 'string' },
      version: { type: 'integer' },
      corefile: { type: 'string' },
      fragments: { type: 'array', items: { type: 'object', properties: { name: { type: 'string' }, version: { type: 'integer' } } } },
      changedAt: { type: 'string' },
    },
  },
] as const;

export const targetsQuery = {
  type: 'string',
  pattern: '^(answerer|node-cache)(,(answerer|node-cache))?$',
  description: 'Comma-separated targets of the fragment (default: answerer,node-cache).',
} as const;

export const problem = { $ref: 'Problem#' } as const;
