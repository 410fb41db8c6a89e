// Counts the spans in an OTLP ExportTraceServiceRequest in protobuf encoding without decoding them: the
// sink only needs how many there are, and walking the wire format costs far less than a full decode.
// The messages on the way (opentelemetry-proto, trace/v1 and collector/trace/v1):
//   ExportTraceServiceRequest { repeated ResourceSpans resource_spans = 1; }
//   ResourceSpans { Resource resource = 1; repeated ScopeSpans scope_spans = 2; string schema_url = 3; }
//   ScopeSpans { InstrumentationScope scope = 1; repeated Span spans = 2; string schema_url = 3; }
//   Span { bytes trace_id = 1; bytes span_id = 2; string trace_state = 3; bytes parent_span_id = 4; string name = 5; ... }

const VARINT = 0;
const FIXED64 = 1;
const LENGTH_DELIMITED = 2;
const FIXED32 = 5;

/** Reads a varint at `offset`; returns its value and the offset after it. Lengths here fit in 2^53. */
function readVarint(bytes, offset) {
  let value = 0;
  let scale = 1;
  for (let position = offset; position < bytes.length && position < offset + 10; position++) {
    const byte = bytes[position];
    value += (byte & 0x7f) * scale;
    if ((byte & 0x80) === 0) return [value, position + 1];
    scale *= 128;
  }
  throw new Error('truncated or overlong varint');
}

/** Calls `onField(fieldNumber, start, end)` for each length-delimited field of the message in [start, end). */
function forEachLengthDelimited(bytes, start, end, onField) {
  let offset = start;
  while (offset < end) {
    const [tag, afterTag] = readVarint(bytes, offset);
    const wireType = tag % 8;
    const fieldNumber = Math.floor(tag / 8);
    if (wireType === LENGTH_DELIMITED) {
      const [length, afterLength] = readVarint(bytes, afterTag);
      if (afterLength + length > end) throw new Error('field runs past its message');
      onField(fieldNumber, afterLength, afterLength + length);
      offset = afterLength + length;
    } else if (wireType === VARINT) {
      offset = readVarint(bytes, afterTag)[1];
    } else if (wireType === FIXED64) {
      offset = afterTag + 8;
    } else if (wireType === FIXED32) {
      offset = afterTag + 4;
    } else {
      throw new Error(`unexpected wire type ${wireType}`);
    }
  }
  if (offset !== end) throw new Error('message ends inside a field');
}

const SPAN_NAME_FIELD = 5;

/**
 * The number of spans in an encoded ExportTraceServiceRequest; throws on bytes that are not one.
 * With `onSpanName`, also decodes each span's name and calls it with the name.
 */
export function countSpansInExportRequest(bytes, onSpanName) {
  let spans = 0;
  forEachLengthDelimited(bytes, 0, bytes.length, (field, start, end) => {
    if (field !== 1) return;
    forEachLengthDelimited(bytes, start, end, (resourceField, scopeStart, scopeEnd) => {
      if (resourceField !== 2) return;
      forEachLengthDelimited(bytes, scopeStart, scopeEnd, (scopeField, spanStart, spanEnd) => {
        if (scopeField !== 2) return;
        spans++;
        if (onSpanName === undefined) return;
        forEachLengthDelimited(bytes, spanStart, spanEnd, (spanField, nameStart, nameEnd) => {
          if (spanField === SPAN_NAME_FIELD) onSpanName(bytes.toString('utf8', nameStart, nameEnd));
        });
      });
    });
  });
  return spans;
}
