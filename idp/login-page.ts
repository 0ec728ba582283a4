/** Escapes text for HTML element content and attribute values. */
function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** The identity provider's sign-in form: a real page, which `gridbox token` also fills in. */
export function loginPage({
  uid,
  clientId,
  error,
}: {
  uid: string;
  clientId: string;
  error?: string;
}): string {
  return `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>gridbox identity provider: sign in</title>
<style>body{font-family:sans-serif;max-width:24rem;margin:4rem auto}label,input,button{display:block;width:100%;margin:.4rem 0}.error{color:#b00}</style>
</head>
<body>
<h1>Sign in</h1>
<p>to continue to <strong>${escapeHtml(clientId)}</strong></p>
${error === undefined ? '' : `<p class="error" role="alert">${escapeHtml(error)}</p>`}
<form method="post" action="/interaction/${escapeHtml(uid)}/login" autocomplete="off">
<label for="username">Username</label><input id="username" name="username" required autofocus>
<label for="password">Password</label><input id="password" name="password" type="password" required>
<button type="submit">Sign in</button>
</form>
</body>
</html>
`;
}

/** What the identity provider shows when a request cannot be served (bad client, bad redirect). */
export function errorPage({ error, description }: { error: string; description?: string }): string {
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><title>gridbox identity provider: error</title></head>
<body><h1>${escapeHtml(error)}</h1><p>${escapeHtml(description ?? '')}</p></body></html>
`;
}
