// The subset of the ONNX protobuf schema this engine writes, declared through protobufjs reflection.
// Field numbers are those of the ONNX specification (onnx.proto, IR version 8+).

import protobuf from 'protobufjs';

const f = (id: number, type: string, rule?: 'repeated') => (rule ? { id, type, rule } : { id, type });

const root = protobuf.Root.fromJSON({
  nested: {
    onnx: {
      nested: {
        ModelProto: {
          fields: {
            irVersion: f(1, 'int64'),
            producerName: f(2, 'string'),
            producerVersion: f(3, 'string'),
            domain: f(4, 'string'),
            modelVersion: f(5, 'int64'),
            docString: f(6, 'string'),
            graph: f(7, 'GraphProto'),
            opsetImport: f(8, 'OperatorSetIdProto', 'repeated'),
            metadataProps: f(14, 'StringStringEntryProto', 'repeated'),
          },
        },
        OperatorSetIdProto: { fields: { domain: f(1, 'string'), version: f(2, 'int64') } },
        StringStringEntryProto: { fields: { key: f(1, 'string'), value: f(2, 'string') } },
        GraphProto: {
          fields: {
            node: f(1, 'NodeProto', 'repeated'),
            name: f(2, 'string'),
            initializer: f(5, 'TensorProto', 'repeated'),
            docString: f(10, 'string'),
            input: f(11, 'ValueInfoProto', 'repeated'),
            output: f(12, 'ValueInfoProto', 'repeated'),
            valueInfo: f(13, 'ValueInfoProto', 'repeated'),
          },
        },
        NodeProto: {
          fields: {
            input: f(1, 'string', 'repeated'),
            output: f(2, 'string', 'repeated'),
            name: f(3, 'string'),
            opType: f(4, 'string'),
            attribute: f(5, 'AttributeProto', 'repeated'),
            docString: f(6, 'string'),
            domain: f(7, 'string'),
          },
        },
        AttributeProto: {
          fields: {
            name: f(1, 'string'),
            f: f(2, 'float'),
            i: f(3, 'int64'),
            s: f(4, 'bytes'),
            t: f(5, 'TensorProto'),
            floats: f(7, 'float', 'repeated'),
            ints: f(8, 'int64', 'repeated'),
            type: f(20, 'int32'),
          },
        },
        ValueInfoProto: { fields: { name: f(1, 'string'), type: f(2, 'TypeProto'), docString: f(3, 'string') } },
        TypeProto: {
          fields: { tensorType: f(1, 'TypeProtoTensor') },
        },
        TypeProtoTensor: { fields: { elemType: f(1, 'int32'), shape: f(2, 'TensorShapeProto') } },
        TensorShapeProto: { fields: { dim: f(1, 'Dimension', 'repeated') } },
        Dimension: {
          oneofs: { value: { oneof: ['dimValue', 'dimParam'] } },
          fields: { dimValue: f(1, 'int64'), dimParam: f(2, 'string') },
        },
        TensorProto: {
          fields: {
            dims: f(1, 'int64', 'repeated'),
            dataType: f(2, 'int32'),
            name: f(8, 'string'),
            rawData: f(9, 'bytes'),
            docString: f(12, 'string'),
            externalData: f(13, 'StringStringEntryProto', 'repeated'),
            dataLocation: f(14, 'int32'),
          },
        },
      },
    },
  },
});

export const ModelProto = root.lookupType('onnx.ModelProto');

// AttributeProto.AttributeType values.
export const ATTRIBUTE_TYPE = { float: 1, int: 2, string: 3, tensor: 4, floats: 6, ints: 7 } as const;

// TensorProto.DataLocation.EXTERNAL
export const DATA_LOCATION_EXTERNAL = 1;
