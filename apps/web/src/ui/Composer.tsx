import { useRef, useState } from 'react';

type MediaType = 'image/png' | 'image/jpeg' | 'image/gif' | 'image/webp';
const MEDIA_TYPES: readonly string[] = ['image/png', 'image/jpeg', 'image/gif', 'image/webp'];
const MAX_IMAGE_BYTES = 5 * 1024 * 1024;

interface Attachment {
  name: string;
  mediaType: MediaType;
  data: string;
}

function readImage(file: File): Promise<Attachment> {
  return new Promise((resolve, reject) => {
    if (!MEDIA_TYPES.includes(file.type)) return reject(new Error(`${file.name}: only PNG, JPEG, GIF and WebP images can be attached`));
    if (file.size > MAX_IMAGE_BYTES) return reject(new Error(`${file.name} is larger than 5 MB`));
    const reader = new FileReader();
    reader.onload = () => resolve({ name: file.name, mediaType: file.type as MediaType, data: String(reader.result).replace(/^data:[^,]*,/, '') });
    reader.onerror = () => reject(new Error(`${file.name} could not be read`));
    reader.readAsDataURL(file);
  });
}

export function Composer({
  disabled,
  running,
  onSend,
  onInterrupt,
}: {
  disabled: boolean;
  running: boolean;
  onSend: (text: string, images: { mediaType: MediaType; data: string }[]) => Promise<boolean>;
  onInterrupt: () => void;
}) {
  const [text, setText] = useState('');
  const [images, setImages] = useState<Attachment[]>([]);
  const [error, setError] = useState<string>();
  const fileInput = useRef<HTMLInputElement>(null);

  const send = async () => {
    const message = text.trim();
    if (!message || disabled) return;
    if (await onSend(message, images.map(({ mediaType, data }) => ({ mediaType, data })))) {
      setText('');
      setImages([]);
    }
  };

  const attach = async (files: FileList | null) => {
    setError(undefined);
    for (const file of Array.from(files ?? [])) {
      try {
        const image = await readImage(file);
        setImages((current) => [...current, image]);
      } catch (caught) {
        setError(caught instanceof Error ? caught.message : String(caught));
      }
    }
  };

  return (
    <form
      className="composer"
      onSubmit={(event) => {
        event.preventDefault();
        void send();
      }}
    >
      {(images.length > 0 || error) && (
        <div className="attachments">
          {images.map((image, index) => (
            <span key={index} className="chip">
              {image.name}
              <button type="button" className="link" aria-label={`remove ${image.name}`} onClick={() => setImages(images.filter((_, i) => i !== index))}>
                ×
              </button>
            </span>
          ))}
          {error && <span className="error-text">{error}</span>}
        </div>
      )}
      <div className="composer-row">
        <button type="button" className="icon" aria-label="Attach an image" title="Attach an image" onClick={() => fileInput.current?.click()} disabled={disabled}>
          <svg viewBox="0 0 24 24" width="18" height="18" aria-hidden="true" fill="none" stroke="currentColor" strokeWidth="2" strokeLinecap="round" strokeLinejoin="round">
            <path d="M21 12.5 12.9 20.6a5.5 5.5 0 0 1-7.8-7.8l8.5-8.5a3.7 3.7 0 0 1 5.2 5.2l-8.5 8.5a1.8 1.8 0 0 1-2.6-2.6l7.8-7.8" />
          </svg>
        </button>
        <input ref={fileInput} type="file" accept="image/png,image/jpeg,image/gif,image/webp" multiple hidden onChange={(event) => void attach(event.target.files)} />
        <textarea
          aria-label="Message"
          placeholder={running ? 'Send a follow-up (it starts after this turn)…' : 'Ask the intern…'}
          value={text}
          rows={Math.min(8, Math.max(1, text.split('\n').length))}
          disabled={disabled}
          onChange={(event) => setText(event.target.value)}
          onKeyDown={(event) => {
            if (event.key === 'Enter' && !event.shiftKey && !event.nativeEvent.isComposing) {
              event.preventDefault();
              void send();
            }
          }}
        />
        {running && (
          <button type="button" className="danger" onClick={onInterrupt} aria-label="Interrupt">
            Stop
          </button>
        )}
        <button type="submit" className="primary" disabled={disabled || !text.trim()}>
          Send
        </button>
      </div>
    </form>
  );
}
