// Save a file the service makes (CSV, the HTML report): fetched with the API token, then handed to the browser
// as a download, since a plain link cannot send the token.
import { ApiError, askToken, getToken, setToken } from "/assets/api.js";

export async function download(path, filename, { retry = true } = {}) {
  let token = getToken();
  if (!token) token = await askToken();
  let res;
  try {
    res = await fetch(path, { headers: { Authorization: `Bearer ${token}` } });
  } catch {
    throw new ApiError(0, "NetworkError", "서버에 연결할 수 없습니다. 네트워크를 확인하세요.", null);
  }
  if (res.status === 401 && retry) {
    setToken("");
    await askToken("토큰이 없거나 만료되었습니다. 새 토큰을 입력하세요.");
    return download(path, filename, { retry: false });
  }
  if (!res.ok) {
    let err = {};
    try { err = (await res.json()).error || {}; } catch { err = {}; }
    throw new ApiError(res.status, err.code || `HTTP${res.status}`, err.message || `내려받지 못했습니다 (HTTP ${res.status}).`, null);
  }
  const url = URL.createObjectURL(await res.blob());
  const a = document.createElement("a");
  a.href = url;
  a.download = filename;
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 60_000);
}
