import { describe, expect, it } from 'vitest';
import { REDACTED, createRedactor, redactValue, secretVariants, secretsFromEnv } from './redaction.js';

describe('createRedactor', () => {
  const redact = createRedactor({ secrets: ['my-configured-secret-value', 'short'] });
  it.each([
    ['hf token', 'token hf_abcdefghijklmnopqrstuvwxyz123456 used', 'hf_abcdefghijklmnopqrstuvwxyz123456'],
    ['anthropic key', 'key sk-ant-api03-AbCdEfGhIjKlMnOpQrSt done', 'sk-ant-api03-AbCdEfGhIjKlMnOpQrSt'],
    ['openai key', 'OPENAI sk-proj-abcdefghijklmnopqrstuv', 'sk-proj-abcdefghijklmnopqrstuv'],
    ['github token', 'ghp_abcdefghijklmnopqrstuvwxyz0123', 'ghp_abcdefghijklmnopqrstuvwxyz0123'],
    ['github pat', 'github_pat_11ABCDEFG0123456789_abcdefghijkl', 'github_pat_11ABCDEFG0123456789_abcdefghijkl'],
    ['slack', 'xoxb-1234567890-abcdefghij', 'xoxb-1234567890-abcdefghij'],
    ['aws', 'AKIAIOSFODNN7EXAMPLE', 'AKIAIOSFODNN7EXAMPLE'],
    ['bearer', 'Authorization: Bearer abc.def-ghi_jkl012345', 'abc.def-ghi_jkl012345'],
    ['assignment', 'export WANDB_API_KEY=0123456789abcdef', '0123456789abcdef'],
    ['password', 'DB_PASSWORD="hunter2hunter2"', 'hunter2hunter2'],
    ['configured value', 'the value my-configured-secret-value leaked', 'my-configured-secret-value'],
  ])('redacts %s', (_name, input, secret) => {
    const output = redact(input);
    expect(output).not.toContain(secret);
    expect(output).toContain(REDACTED);
  });

  it('keeps ordinary text and short configured values', () => {
    expect(redact('the short story of tokens and keys')).toBe('the short story of tokens and keys');
    expect(redact('MAX_TOKENS = 5')).toBe('MAX_TOKENS = 5');
    expect(redact('model.generate(max_new_tokens=1024, pad_token="<pad>")')).toBe('model.generate(max_new_tokens=1024, pad_token="<pad>")');
    expect(redact('TOKEN_COUNT=123456789')).toBe('TOKEN_COUNT=123456789');
    expect(redact('the token embeddings_matrix_layer')).toBe('the token embeddings_matrix_layer');
  });

  it('keeps the variable name of an assignment', () => {
    expect(redact('HF_TOKEN=hf_abcdefghijklmnopqrstuvwxyz123456')).toBe(`HF_TOKEN=${REDACTED}`);
  });

  it('collects secret values from the environment', () => {
    expect(secretsFromEnv({ HF_TOKEN: 'hf_xxxxxxxxxxxxxxxx', PATH: '/usr/bin:/bin', OPENAI_API_KEY: 'sk-1234567890' })).toEqual(['hf_xxxxxxxxxxxxxxxx', 'sk-1234567890']);
  });
  it('collects no file paths or plain numbers from the environment', () => {
    expect(secretsFromEnv({ GOOGLE_APPLICATION_CREDENTIALS: '/home/me/creds.json', SSL_KEY_FILE: './certs/key.pem', MAX_TOKENS_TOTAL: '100000000', HF_TOKEN: 'hf_abcdefghij1234567890' })).toEqual(['hf_abcdefghij1234567890']);
  });
});

describe('code is not a secret (the assignment pattern broke these)', () => {
  const redact = createRedactor();
  it.each([
    'tokenizer.pad_token = tokenizer.eos_token',
    'client = OpenAI(api_key=os.environ["OPENAI_API_KEY"])',
    'api_key = os.getenv("API_KEY", None)',
    "api_key=config['openai']['key']",
    'cache_key=f"{model_name}-{split}-{max_length}"',
    'cache_key = hashlib.sha256(text.encode()).hexdigest()',
    'primary_key: id',
    'primary_key: user_id_with_long_name',
    'RUN_NAME = "sk-learn-baseline-tfidf-logreg"',
    'pip install sk-learn-intelex-benchmarks-2024',
    'model.generate(**inputs, max_new_tokens=512, pad_token_id=tokenizer.eos_token_id)',
    'tokenizer.add_special_tokens({"pad_token": "[PAD]", "eos_token": "</s>", "unk_token": "<unk>"})',
    '"bos_token": "<|begin_of_text|>",',
    'pad_token: <|end_of_text|>',
    'login(token=token)',
    'api = HfApi(token=args.hub_token)',
    'password = getpass.getpass("Password: ")',
    'token: Optional[str] = field(default=None)',
    'openai_api_key: SecretStr',
    'api_key: str',
    'hub_token: null',
    'api_key: ${oc.env:OPENAI_API_KEY}',
    'HF_TOKEN: ${{ secrets.HF_TOKEN }}',
    'huggingface-cli login --token $HF_TOKEN',
    'huggingface-cli login --token "${HF_TOKEN}"',
    '-H "Authorization: Bearer $HF_TOKEN"',
    'headers = {"Authorization": f"Bearer {token}"}',
    '  --hub_token HUB_TOKEN   the token to use to push to the Model Hub',
    'Pass --password argument to the script',
    'OPENAI_API_KEY=EMPTY vllm serve',
    'WANDB_API_KEY=your_wandb_api_key_here',
    'HF_TOKEN=hf_xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx',
    'OPENAI_API_KEY=sk-...',
    'password: "<your-password>"',
    'git clone https://USERNAME:TOKEN@github.com/org/repo',
    'DATABASE_URL=postgres://USER:PASSWORD@localhost:5432/db',
    'http://localhost:8080@proxy',
    'key, subkey = jax.random.split(key)',
    'sorted(items, key=lambda kv: kv[1])',
    'Your token has been saved to /root/.cache/huggingface/token',
    'wandb: Appending key for api.wandb.ai to your netrc file: /root/.netrc',
    'if token == "abcd1234efgh5678":',
    'api.add_space_secret(repo_id=repo, key="HF_TOKEN", value=token)',
    'Incorrect API key provided: sk-proj-****************************Ab1c.',
  ])('%s', (text) => {
    expect(redact(text)).toBe(text);
  });
});

describe('secrets in every shape', () => {
  const redact = createRedactor();
  it.each([
    ['{"api_key": "abcd1234efgh5678ijkl"}', `{"api_key": "${REDACTED}"}`],
    ['"password":"hunter2hunter2xyz"', `"password":"${REDACTED}"`],
    ['"client_secret": "9a8b7c6d5e4f3a2b1c0d"', `"client_secret": "${REDACTED}"`],
    ['postgres://admin:S3cretPassw0rd@host/db', `postgres://admin:${REDACTED}@host/db`],
    ['huggingface-cli login --token hunter2hunter2xyz', `huggingface-cli login --token ${REDACTED}`],
    ['python train.py --hub_token=Zq3xT9bN2wLmK8cVrJ5h', `python train.py --hub_token=${REDACTED}`],
    ['vllm serve m --api-key token-abc123', `vllm serve m --api-key ${REDACTED}`],
    ['GET /whoami?token=hf%5FQxTbNwLmKcVrJhPdGsFaZyXeUoIiRtYpMn', `GET /whoami?token=${REDACTED}`],
    ['redirect=%2Fcb%3Fgh%3Dghp%5FWq8eR2tY5uI9oP1aS4dF7gH3jK6lZ0xC2vB', `redirect=%2Fcb%3Fgh%3D${REDACTED}`],
    ['api_key: str = "abcd1234efgh5678ijkl"', `api_key: str = "${REDACTED}"`],
    ['POSTGRES_PASSWORD: postgres-prod', `POSTGRES_PASSWORD: ${REDACTED}`],
    ['password: Tr0ub4dor&3xQ!', `password: ${REDACTED}`],
    ['machine api.wandb.ai login user password 0a1b2c3d4e5f60718293', `machine api.wandb.ai login user password ${REDACTED}`],
    ['["huggingface-cli", "login", "--token", "hunter2hunter2xyz"]', `["huggingface-cli", "login", "--token", "${REDACTED}"]`],
    ['{\\"api_key\\": \\"abcd1234efgh5678ijkl\\"}', `{\\"api_key\\": \\"${REDACTED}\\"}`],
    ['webhook_secret = "3f2a9c0e1b7d4e6f8a9b"', `webhook_secret = "${REDACTED}"`],
    ['Authorization: Basic bWwtYm90OlMzY3JldFBhc3N3MHJk', `Authorization: Basic ${REDACTED}`],
    ['x-api-key: sk-ant-api03-AbCdEfGhIjKlMnOpQrSt', `x-api-key: ${REDACTED}`],
    ['sk-proj-leakedSecretValue0123456789', REDACTED],
    ['AIzaSyA1b2C3d4E5f6G7h8I9j0KlMnOpQrStUvW', REDACTED],
    ['eyJhbGciOiJIUzI1NiJ9.eyJzdWIiOiIxMjM0NTY3ODkwIn0.dozjgNryP4J3jVmNHl0w5N', REDACTED],
  ])('%s', (input, expected) => {
    expect(redact(input)).toBe(expected);
  });

  it('redacts a private key block but keeps its BEGIN and END lines', () => {
    const key = '-----BEGIN EC PRIVATE KEY-----\nMHcCAQEEIBkg4LVWM9nuwNSk3yByxZpYRTBnVJk5oRi6VL5NW7ckoAoGCCqGSM49\nAwEHoUQDQgAE9/+nS2v1sA==\n-----END EC PRIVATE KEY-----';
    expect(redact(`key:\n${key}\n`)).toBe(`key:\n-----BEGIN EC PRIVATE KEY-----\n${REDACTED}\n-----END EC PRIVATE KEY-----\n`);
  });
});

describe('configured secret values', () => {
  const value = 'my-configured-secret/value+42';
  const redact = createRedactor({ secrets: [value] });
  it.each([
    ['as is', `echo ${value}`],
    ['URL-encoded', `?k=${encodeURIComponent(value)}&x=1`],
    ['JSON-escaped', JSON.stringify({ v: `a"${value}` })],
    ['base64 at any alignment', Buffer.from(`user:${value}`).toString('base64')],
    ['base64 shifted by one', Buffer.from(`ab:${value}`).toString('base64')],
    ['base64url', Buffer.from(`${value}`).toString('base64url')],
  ])('%s', (_name, text) => {
    const output = redact(text);
    expect(output).toContain(REDACTED);
    expect(output).not.toContain(value);
    for (const variant of secretVariants(value)) expect(output).not.toContain(variant);
  });
});

describe('redactValue', () => {
  const redact = createRedactor();
  it('redacts a string stored under a secret-named key', () => {
    const event = { type: 'tool_call', arguments: { command: 'run', env: { WANDB_API_KEY: 'abcdef0123456789', DB_PASSWORD: 'hunter2hunter2', MODEL: 'llama', pad_token: '<pad>', cache_key: 'train-split-3' } } };
    expect(redactValue(event, redact)).toEqual({
      type: 'tool_call',
      arguments: { command: 'run', env: { WANDB_API_KEY: REDACTED, DB_PASSWORD: REDACTED, MODEL: 'llama', pad_token: '<pad>', cache_key: 'train-split-3' } },
    });
  });

  it('redacts inside nested strings and leaves other values alone', () => {
    expect(redactValue({ a: [`HF_TOKEN=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`, 3, null, true] }, redact)).toEqual({ a: [`HF_TOKEN=${REDACTED}`, 3, null, true] });
  });
});

describe('pathological input stays linear', () => {
  const redact = createRedactor({ secrets: ['my-configured-secret-value'] });
  const size = 1 << 20;
  it.each([
    ['one character', 'a'.repeat(size)],
    ['keys without values', 'token='.repeat(size / 6)],
    ['YAML keys', 'key: '.repeat(size / 5)],
    ['separators and runs', `_${'a'.repeat(13)}`.repeat(size / 14)],
    ['private-key headers without an end', '-----BEGIN PRIVATE KEY-----\n'.repeat(size / 28)],
    ['URL logins', 'x://a:b@'.repeat(size / 8)],
    ['open JSON keys', '"api_key": "'.repeat(size / 12)],
    ['escaped quotes', '\\\\\\"api_key\\\\\\": \\\\\\"'.repeat(size / 20)],
    ['netrc words', 'login x password '.repeat(size / 17)],
    ['flags', '--token --token '.repeat(size / 16)],
    ['bearer words', 'Bearer '.repeat(size / 7)],
  ])('%s (1 MB)', (_name, text) => {
    const started = performance.now();
    redact(text);
    // ~0.1 s on a laptop; generous for a loaded machine, far below quadratic (minutes).
    expect(performance.now() - started).toBeLessThan(3_000);
  });
});

describe('provider formats with random bodies', () => {
  const redact = createRedactor();
  let state = 12345;
  const random = (alphabet: string, length: number): string => {
    let out = '';
    for (let index = 0; index < length; index += 1) {
      state = (state * 1103515245 + 12345) % 2147483648;
      out += alphabet[Math.floor((state / 2147483648) * alphabet.length)];
    }
    return out;
  };
  const alnum = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789';
  const urlSafe = `${alnum}-_`;
  const base64 = `${alnum}+/`;
  const formats: [string, () => string][] = [
    ['huggingface', () => `hf_${random(alnum, 34)}`],
    ['openai project', () => `sk-proj-${random(urlSafe, 74)}T3BlbkFJ${random(urlSafe, 74)}`],
    ['anthropic', () => `sk-ant-api03-${random(urlSafe, 93)}AA`],
    ['github fine-grained', () => `github_pat_11${random(alnum, 20)}_${random(urlSafe, 59)}`],
    ['gitlab', () => `glpat-${random(urlSafe, 20)}`],
    ['google', () => `AIza${random(urlSafe, 35)}`],
    ['slack', () => `xoxb-${random('0123456789', 12)}-${random('0123456789', 13)}-${random(alnum, 24)}`],
    ['1password', () => `ops_eyJ${random(base64, 120)}`],
    ['grafana cloud', () => `glc_eyJ${random(base64, 80)}=`],
    ['pinecone', () => `pcsk_${random(alnum, 5)}_${random(urlSafe, 62)}`],
    ['docker', () => `dckr_pat_${random(urlSafe, 27)}`],
    ['gcp client secret', () => `GOCSPX-${random(urlSafe, 28)}`],
  ];
  it.each(formats)('%s', (_name, make) => {
    for (let round = 0; round < 200; round += 1) {
      const token = make();
      for (const text of [`${token}`, `key ${token}.`, `"${token}"`, `x=${token}&y=1`]) {
        const output = redact(text);
        expect(output, text).not.toContain(token.slice(0, 12));
        expect(output).toContain(REDACTED);
      }
    }
  });
});
