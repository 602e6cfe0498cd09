// JSON values as Envoy reads them: rendered configs are plain data.

export type Json = string | number | boolean | null | Json[] | JsonObject;
export interface JsonObject {
  [key: string]: Json;
}
