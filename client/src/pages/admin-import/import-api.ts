// The admin import page's calls: the upload goes through XMLHttpRequest for its upload-progress events
// (fetch has none), with the session cookie and the CSRF token; the rest is JSON over the shared api helper.
import { ApiError, api, getCsrfToken } from '../../api/http';
import type { ApiErrorBody } from '../../../../common/errors';
import type { PreviewRequest, StageStatus } from '../../../../common/import-stage';
import type { DatasetStatus } from '../../../../common/dataset';

export function uploadFile(file: File, onProgress: (fraction: number) => void): Promise<StageStatus> {
  return new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open('POST', `/api/import/uploads?name=${encodeURIComponent(file.name)}`);
    xhr.withCredentials = true;
    xhr.setRequestHeader('Content-Type', 'application/octet-stream');
    xhr.setRequestHeader('Accept', 'application/json');
    const csrf = getCsrfToken();
    if (csrf) xhr.setRequestHeader('X-CSRF-Token', csrf);
    xhr.upload.onprogress = (e) => { if (e.lengthComputable) onProgress(e.loaded / e.total); };
    xhr.onerror = () => reject(new ApiError(0, 'NETWORK', 'the upload was interrupted'));
    xhr.onload = () => {
      let body: unknown;
      try { body = JSON.parse(xhr.responseText); } catch { body = undefined; }
      if (xhr.status >= 200 && xhr.status < 300) { onProgress(1); resolve(body as StageStatus); return; }
      const e = (body as ApiErrorBody | undefined)?.error;
      reject(new ApiError(xhr.status, e?.code ?? 'INTERNAL', e?.message ?? `HTTP ${xhr.status}`));
    };
    xhr.send(file);
  });
}

export const startPreview = (id: string, request: PreviewRequest) => api.post<StageStatus>(`/api/import/uploads/${id}/preview`, request);
export const stageStatus = (id: string) => api.get<StageStatus>(`/api/import/uploads/${id}`);
export const applyStage = (id: string) => api.post<{ status: StageStatus; dataset: DatasetStatus }>(`/api/import/uploads/${id}/apply`, {});
export const datasetNow = () => api.get<DatasetStatus>('/api/dataset');

export async function cancelStage(id: string): Promise<void> {
  const res = await fetch(`/api/import/uploads/${id}`, { method: 'DELETE', credentials: 'same-origin', headers: { 'X-CSRF-Token': getCsrfToken() ?? '' } });
  if (!res.ok && res.status !== 410) throw new ApiError(res.status, 'INTERNAL', `HTTP ${res.status}`);
}
