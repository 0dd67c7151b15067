// The safetensors reader/writer lives in packages/onnx but is not in its package exports; one re-export here
// keeps the cross-package path in a single place.
export * from '../../onnx/src/safetensors/index';
