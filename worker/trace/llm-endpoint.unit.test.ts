import { expect, it } from "vitest";
import { llmEndpoint } from "./llm-endpoint";

it("names well-known providers by their convention value and any other endpoint by its host", () => {
  const provider = (url: string) => llmEndpoint(url)?.provider;
  expect(provider("https://api.openai.com/v1")).toBe("openai");
  expect(provider("https://acme.openai.azure.com/openai/v1")).toBe("azure.ai.openai");
  expect(provider("https://api.anthropic.com/v1/")).toBe("anthropic");
  expect(provider("https://generativelanguage.googleapis.com/v1beta/openai")).toBe("gcp.gemini");
  expect(provider("https://us-central1-aiplatform.googleapis.com/v1/projects/p")).toBe("gcp.vertex_ai");
  expect(provider("https://bedrock-runtime.us-east-1.amazonaws.com/openai/v1")).toBe("aws.bedrock");
  expect(provider("https://s3.amazonaws.com/x")).toBe("s3.amazonaws.com");
  expect(provider("https://api.groq.com/openai/v1")).toBe("groq");
  expect(provider("https://api.mistral.ai/v1")).toBe("mistral_ai");
  expect(provider("https://api.deepseek.com")).toBe("deepseek");
  expect(provider("https://api.perplexity.ai")).toBe("perplexity");
  expect(provider("https://api.x.ai/v1")).toBe("x_ai");
  expect(provider("http://127.0.0.1:8080/v1")).toBe("127.0.0.1");
  expect(provider("https://notapi.openai.com.evil.example/v1")).toBe("notapi.openai.com.evil.example");
  expect(llmEndpoint("https://api.openai.com/v1")).toEqual({
    provider: "openai",
    address: "api.openai.com",
    port: 443,
  });
  expect(llmEndpoint("http://[::1]:4000/v1")).toEqual({ provider: "::1", address: "::1", port: 4000 });
  expect(llmEndpoint("not a url")).toBeNull();
});
