import type { Transport } from '../http/transport.js';
import type { GeneratedKey, GenerateKeyRequest, Organization, RotatedKey } from '../types.js';

type Options = { signal?: AbortSignal };

/** Organizations and their API keys. */
export class Keys {
  constructor(
    private readonly transport: Transport,
    private readonly useKey: (key: string) => void,
  ) {}

  /**
   * POST /api/keys/generate: a new organization and its first key (sent with the client's
   * `adminToken` when it has one). Needs no API key.
   */
  async generate(request: GenerateKeyRequest, options: Options = {}): Promise<GeneratedKey> {
    const reply = await this.transport.request<GeneratedKey>({
      method: 'POST',
      path: '/api/keys/generate',
      body: request,
      auth: 'admin',
      idempotent: false,
      signal: options.signal,
    });
    return reply.body;
  }

  /** GET /api/keys: the calling organization. */
  async get(options: Options = {}): Promise<Organization> {
    return (
      await this.transport.request<Organization>({ method: 'GET', path: '/api/keys', idempotent: true, signal: options.signal })
    ).body;
  }

  /** POST /api/keys/rotate: the old key stops working at once; this client goes on with the new one. */
  async rotate(options: Options = {}): Promise<RotatedKey> {
    const reply = await this.transport.request<RotatedKey>({
      method: 'POST',
      path: '/api/keys/rotate',
      idempotent: false,
      signal: options.signal,
    });
    this.useKey(reply.body.api_key);
    return reply.body;
  }
}
