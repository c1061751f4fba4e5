// Python files are bundled as text by the `[[rules]]` entry in wrangler.toml.
declare module "*.py" {
  const source: string;
  export default source;
}
