//===- PackedWeightType.cpp - !llm.packed_weight --------------------------===//

#include "dialects/llm/LLMDialect.h"

#include "mlir/IR/Builders.h"
#include "mlir/IR/DialectImplementation.h"
#include "llvm/ADT/StringSet.h"

using namespace mlir;
using namespace llmc::llm;

// !llm.packed_weight<ROWSxCOLS, STORAGE (, group = G)? (, scale = T)?
//                    (, zero_points)?>
Type PackedWeightType::parse(AsmParser &parser) {
  SmallVector<int64_t, 2> dims;
  Type storage, scale;
  int64_t group = 0;
  bool zeroPoints = false;
  SMLoc loc = parser.getCurrentLocation();
  if (parser.parseLess() ||
      parser.parseDimensionList(dims, /*allowDynamic=*/false,
                                /*withTrailingX=*/false) ||
      parser.parseComma() || parser.parseType(storage))
    return {};
  llvm::StringSet<> seen;
  while (succeeded(parser.parseOptionalComma())) {
    StringRef key;
    SMLoc keyLoc = parser.getCurrentLocation();
    if (parser.parseKeyword(&key))
      return {};
    if (!seen.insert(key).second) {
      parser.emitError(keyLoc)
          << "packed_weight parameter '" << key << "' given twice";
      return {};
    }
    if (key == "group") {
      if (parser.parseEqual() || parser.parseInteger(group))
        return {};
    } else if (key == "scale") {
      if (parser.parseEqual() || parser.parseType(scale))
        return {};
    } else if (key == "zero_points") {
      zeroPoints = true;
    } else {
      parser.emitError(parser.getCurrentLocation())
          << "unknown packed_weight parameter '" << key
          << "' (expected group, scale or zero_points)";
      return {};
    }
  }
  if (parser.parseGreater())
    return {};
  if (dims.size() != 2) {
    parser.emitError(loc) << "expects ROWSxCOLS, got " << dims.size()
                          << " dimensions";
    return {};
  }
  return parser.getChecked<PackedWeightType>(loc, parser.getContext(), dims[0],
                                             dims[1], storage, group, scale,
                                             zeroPoints);
}

void PackedWeightType::print(AsmPrinter &printer) const {
  printer << "<" << getRows() << "x" << getCols() << ", " << getStorageType();
  if (getGroup())
    printer << ", group = " << getGroup();
  if (getScaleType())
    printer << ", scale = " << getScaleType();
  if (getZeroPoints())
    printer << ", zero_points";
  printer << ">";
}

LogicalResult
PackedWeightType::verify(function_ref<InFlightDiagnostic()> emitError,
                         int64_t rows, int64_t cols, Type storage,
                         int64_t group, Type scale, bool zeroPoints) {
  if (rows <= 0 || cols <= 0)
    return emitError() << "expects positive rows and cols, got " << rows << "x"
                       << cols;
  bool validScale = scale && (scale.isF16() || scale.isF32());
  if (storage.isF32()) {
    if (group || scale || zeroPoints)
      return emitError() << "expects no group, scale or zero_points for f32 "
                            "panels";
    return success();
  }
  if (!validScale && !storage.isF32() &&
      (storage.isInteger(8) || storage.isInteger(4))) {
    if (!scale)
      return emitError() << "expects scale = f16 or f32 for " << storage;
    return emitError() << "expects scale = f16 or f32 for " << storage
                       << ", got " << scale;
  }
  if (storage.isInteger(8)) {
    if (group || zeroPoints)
      return emitError() << "expects no group or zero_points for i8 (one "
                            "symmetric scale per row)";
    return success();
  }
  if (storage.isInteger(4)) {
    if (group != 32 && group != 64 && group != 128)
      return emitError() << "expects an i4 group of 32, 64 or 128, got "
                         << group;
    return success();
  }
  return emitError() << "expects f32, i8 or i4 storage, got " << storage;
}

llmc_weight_format PackedWeightType::getFormat() const {
  if (getStorageType().isF32())
    return LLMC_WEIGHT_F32_PANELS;
  return getStorageType().isInteger(8) ? LLMC_WEIGHT_INT8 : LLMC_WEIGHT_INT4;
}

int64_t PackedWeightType::getScaleBytes() const {
  if (!getScaleType())
    return 0;
  return getScaleType().isF16() ? 2 : 4;
}

llmc_packed_offsets PackedWeightType::getLayout() const {
  return llmc_packed_layout(getFormat(), getRows(), getCols(), getGroup(),
                            getScaleBytes(), getZeroPoints());
}

RankedTensorType PackedWeightType::getDataType() const {
  int64_t bytes =
      llmc_packed_data_bytes(getFormat(), getRows(), getCols(), getGroup());
  if (getFormat() == LLMC_WEIGHT_F32_PANELS)
    return RankedTensorType::get({bytes / 4}, getStorageType());
  return RankedTensorType::get({bytes}, IntegerType::get(getContext(), 8));
}

RankedTensorType PackedWeightType::getScalesType() const {
  if (!getScaleType())
    return {};
  return RankedTensorType::get(
      {llmc_packed_scale_count(getFormat(), getRows(), getCols(), getGroup())},
      getScaleType());
}

RankedTensorType PackedWeightType::getZerosType() const {
  if (!getZeroPoints())
    return {};
  return RankedTensorType::get(
      {llmc_packed_scale_count(getFormat(), getRows(), getCols(), getGroup())},
      IntegerType::get(getContext(), 8));
}

std::string PackedWeightType::getSchemeName() const {
  switch (getFormat()) {
  case LLMC_WEIGHT_F32_PANELS:
    return "";
  case LLMC_WEIGHT_INT8:
    return std::string("int8/") + (getScaleBytes() == 2 ? "f16" : "f32");
  case LLMC_WEIGHT_INT4:
    return "int4/g" + std::to_string(getGroup()) +
           (getScaleBytes() == 2 ? "/f16" : "/f32") +
           (getZeroPoints() ? "/zp" : "");
  }
  return "";
}
