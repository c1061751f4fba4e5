/** Documents: upload with progress, the list with sizes, a preview of the first lines, delete. */
import { useEffect, useRef, useState } from "react";
import { DOCUMENT_EXTENSIONS } from "../../../worker/contracts/constants";
import {
  type DocumentInfo,
  deleteDocument,
  downloadOriginal,
  listDocuments,
  previewDocument,
  uploadDocument,
} from "../api/documents";
import { useLoaded } from "../app/use-loaded";
import { about, ErrorNotice } from "../components/error-notice";
import { formatBytes } from "../trace/format";

interface UploadState {
  key: string;
  name: string;
  sent: number;
  total: number;
  abort(): void;
}

function Preview({ id }: { id: string }) {
  const [preview, setPreview] = useState<{ lines: string[]; truncated: boolean } | null>(null);
  const [error, setError] = useState<unknown>(null);
  useEffect(() => {
    previewDocument(id).then(setPreview, setError);
  }, [id]);
  if (error) return <ErrorNotice error={error} />;
  if (!preview) return <p className="muted">Loading the first lines…</p>;
  return (
    <figure className="doc-preview">
      <pre>{preview.lines.join("\n")}</pre>
      {preview.truncated && <figcaption className="muted">First lines only.</figcaption>}
    </figure>
  );
}

function DocumentRow({ doc, onDeleted, onError }: { doc: DocumentInfo; onDeleted(): void; onError(e: unknown): void }) {
  const [open, setOpen] = useState(false);
  const remove = async () => {
    if (!confirm(`Delete ${doc.name}? Sessions that used it keep their answers.`)) return;
    try {
      await deleteDocument(doc.id);
      onDeleted();
    } catch (err) {
      onError(about(doc.name, err));
    }
  };
  return (
    <li className="doc-row" data-document-id={doc.id}>
      <div className="row">
        <span className="doc-name">{doc.name}</span>
        <span className="muted">{formatBytes(doc.bytes)}</span>
        <span className="muted">{doc.contentType}</span>
        {doc.status !== "ready" && <span className="badge">{doc.status}</span>}
        <span className="spacer" />
        <button type="button" aria-expanded={open} onClick={() => setOpen((v) => !v)}>
          {open ? "Hide preview" : "Preview"}
        </button>
        {doc.status === "ready" && (
          <button
            type="button"
            onClick={() => downloadOriginal(doc).catch((err) => onError(about(doc.name, err)))}
            aria-label={`Download ${doc.name}`}
          >
            Download
          </button>
        )}
        <button type="button" className="danger" onClick={remove} aria-label={`Delete ${doc.name}`}>
          Delete
        </button>
      </div>
      {open && <Preview id={doc.id} />}
    </li>
  );
}

/** The documents screen. */
export function DocumentsPage() {
  const { data: documents, error, setError, reload } = useLoaded(listDocuments);
  const [uploads, setUploads] = useState<UploadState[]>([]);
  const input = useRef<HTMLInputElement>(null);

  const upload = (files: FileList | null) => {
    for (const file of Array.from(files ?? [])) {
      const key = crypto.randomUUID();
      const handle = uploadDocument(file, (sent, total) =>
        setUploads((list) => list.map((u) => (u.key === key ? { ...u, sent, total } : u))),
      );
      setUploads((list) => [...list, { key, name: file.name, sent: 0, total: file.size, abort: handle.abort }]);
      handle.done
        .then(reload, (err) => setError(about(file.name, err)))
        .finally(() => setUploads((list) => list.filter((u) => u.key !== key)));
    }
    if (input.current) input.current.value = "";
  };

  return (
    <main id="main" className="page">
      <h1>Documents</h1>
      <p className="muted">
        Long inputs for the RLM: they stay in storage and stream into the sandbox, never into a model's context window.
      </p>
      <div className="card stack">
        <label htmlFor="upload-input">Upload files</label>
        <input
          id="upload-input"
          ref={input}
          type="file"
          multiple
          accept={DOCUMENT_EXTENSIONS.map((ext) => `.${ext}`).join(",")}
          aria-describedby="upload-formats"
          onChange={(e) => upload(e.target.files)}
        />
        <p id="upload-formats" className="muted">
          {DOCUMENT_EXTENSIONS.join(", ")}. PDFs (up to 32 MiB) and HTML are stored as their text; a scanned PDF needs
          OCR first.
        </p>
        {uploads.map((u) => (
          <div key={u.key} className="upload-progress row">
            <label htmlFor={`progress-${u.key}`}>{u.name}</label>
            <progress id={`progress-${u.key}`} max={u.total || 1} value={u.sent} />
            <span className="muted">
              {formatBytes(u.sent)} / {formatBytes(u.total)}
            </span>
            <button type="button" onClick={u.abort}>
              Cancel
            </button>
          </div>
        ))}
      </div>
      <ErrorNotice error={error} onDismiss={() => setError(null)} />
      {documents === null ? (
        !error && <p className="muted">Loading…</p>
      ) : documents.length === 0 ? (
        <p className="muted">No documents yet.</p>
      ) : (
        <ul className="doc-list">
          {documents.map((d) => (
            <DocumentRow key={d.id} doc={d} onDeleted={reload} onError={setError} />
          ))}
        </ul>
      )}
    </main>
  );
}
