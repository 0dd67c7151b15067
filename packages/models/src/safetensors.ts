// The safetensors reader/writer lives in packages/onnx (the engine points external data into the same files).
export * from '../../onnx/src/safetensors/index';
