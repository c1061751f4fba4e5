/** Binary fixtures imported with Vite's `?inline`: a `data:` URL holding the file as base64. */
declare module "*.pdf?inline" {
  const dataUrl: string;
  export default dataUrl;
}
