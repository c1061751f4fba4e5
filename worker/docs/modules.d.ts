// The checked-in OpenAPI document, bundled as text by the `[[rules]]` entry in wrangler.toml.
declare module "*.yaml" {
  const text: string;
  export default text;
}
