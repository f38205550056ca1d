//===- Call.h - Calling an entry point with run-time checked tensors -*- C++
//-*-===//

#ifndef LLMC_RUNTIME_CALL_H
#define LLMC_RUNTIME_CALL_H

#include "Model.h"

namespace llmc::rt {

/// Bytes per element of a manifest dtype.
size_t elementSize(fb::DType dtype);

/// The entry point `name` of the manifest, or null.
const fb::EntryPoint *findEntry(const llmc_model &model, const char *name);

/// Whether the entry's first input is the implicit weights blob.
bool takesWeights(const fb::EntryPoint &entry);

/// Calls `entry` (see llmc_model_call): checks `inputs`, fills `outputs`
/// with compact copies of the results.
llmc_status_t callEntry(llmc_model &model, const fb::EntryPoint &entry,
                        const llmc_tensor *inputs, size_t numInputs,
                        llmc_tensor *outputs, size_t numOutputs);

} // namespace llmc::rt

#endif // LLMC_RUNTIME_CALL_H
