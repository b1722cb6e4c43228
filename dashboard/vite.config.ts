// The dashboard is served by the gateway at /dashboard/ and calls the graph on
// the same origin. `npm run dev -w dashboard` serves it on :5173 and calls the
// gateway at VITE_GRAPHQL_URL (default http://localhost:8080/graphql) across
// origins, as any dashboard on its own origin does.
import react from '@vitejs/plugin-react';
import { defineConfig } from 'vite';

export default defineConfig({
  base: '/dashboard/',
  plugins: [react()],
  build: { outDir: 'dist', emptyOutDir: true },
  server: { port: 5173 },
});
