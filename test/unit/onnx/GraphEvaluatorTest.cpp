//===- GraphEvaluatorTest.cpp - Compile-time evaluation of ONNX subgraphs -===//
//
// Each op the evaluator knows, on small graphs built here, against values
// worked out by hand (numpy's and the ONNX spec's semantics); and the
// refusals: unknown ops, run-time values, sizes past the limit.
//
//===----------------------------------------------------------------------===//

#include "compiler/onnx/GraphEvaluator.h"

#include "llvm/Support/Error.h"

#include <gtest/gtest.h>
#include <onnx/onnx_pb.h>

#include <cmath>
#include <initializer_list>
#include <string>

using namespace llmc;

namespace {

/// A graph under construction: nodes and int64 constants.
class GraphBuilder {
public:
  GraphBuilder() { model.mutable_graph()->set_name("g"); }

  void constant(const std::string &name, std::vector<int64_t> dims,
                std::vector<int64_t> values) {
    onnx::TensorProto *t = model.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::INT64);
    for (int64_t d : dims)
      t->add_dims(d);
    for (int64_t v : values)
      t->add_int64_data(v);
  }

  void floatConstant(const std::string &name, std::vector<int64_t> dims,
                     float value) {
    onnx::TensorProto *t = model.mutable_graph()->add_initializer();
    t->set_name(name);
    t->set_data_type(onnx::TensorProto::FLOAT);
    int64_t n = 1;
    for (int64_t d : dims) {
      t->add_dims(d);
      n *= d;
    }
    for (int64_t i = 0; i < n; ++i)
      t->add_float_data(value);
  }

  onnx::NodeProto &node(const std::string &op,
                        std::initializer_list<std::string> inputs,
                        std::initializer_list<std::string> outputs) {
    onnx::NodeProto *n = model.mutable_graph()->add_node();
    n->set_name(*outputs.begin());
    n->set_op_type(op);
    for (const std::string &in : inputs)
      n->add_input(in);
    for (const std::string &out : outputs)
      n->add_output(out);
    return *n;
  }
  onnx::NodeProto &node(const std::string &op,
                        std::initializer_list<std::string> inputs,
                        const std::string &output) {
    return node(op, inputs, {output});
  }

  static void attr(onnx::NodeProto &node, const std::string &name,
                   std::vector<int64_t> ints) {
    onnx::AttributeProto *a = node.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INTS);
    for (int64_t i : ints)
      a->add_ints(i);
  }
  static void attr(onnx::NodeProto &node, const std::string &name,
                   int64_t value) {
    onnx::AttributeProto *a = node.add_attribute();
    a->set_name(name);
    a->set_type(onnx::AttributeProto::INT);
    a->set_i(value);
  }

  /// The value of `name`, or the error's text.
  EvaluatedTensor evaluate(const std::string &name,
                           std::string *error = nullptr) {
    onnx::OperatorSetIdProto *opset = model.add_opset_import();
    opset->set_version(17);
    model.set_ir_version(8);
    std::string bytes = model.SerializeAsString();
    auto parsed = OnnxModel::parse(bytes, "/nonexistent/test.onnx");
    EXPECT_TRUE(bool(parsed));
    if (!parsed) {
      llvm::consumeError(parsed.takeError());
      return {};
    }
    loaded = std::move(*parsed);
    GraphEvaluator evaluator(*loaded);
    for (auto &[input, tensor] : bound)
      evaluator.bind(input, tensor);
    auto value = evaluator.evaluate(name);
    if (!value) {
      std::string text = llvm::toString(value.takeError());
      if (error)
        *error = text;
      else
        ADD_FAILURE() << text;
      return {};
    }
    return *value;
  }

  std::vector<std::pair<std::string, EvaluatedTensor>> bound;

private:
  onnx::ModelProto model;
  std::unique_ptr<OnnxModel> loaded;
};

std::vector<double> values(std::initializer_list<double> v) { return v; }

TEST(GraphEvaluatorTest, ShapeGatherRangeAndComparisons) {
  GraphBuilder g;
  EvaluatedTensor past;
  past.dataType = onnx::TensorProto::FLOAT;
  past.shape = {1, 2, 3, 4}; // the shape alone
  g.bound.push_back({"past", past});
  g.constant("two", {}, {2});
  g.constant("zero", {}, {0});
  g.constant("one", {}, {1});
  g.node("Shape", {"past"}, "shape");
  g.node("Gather", {"shape", "two"}, "p"); // 3
  g.node("Range", {"zero", "p", "one"}, "keys");
  g.node("LessOrEqual", {"keys", "one"}, "visible");
  EvaluatedTensor shape = g.evaluate("shape");
  EXPECT_EQ(shape.values, values({1, 2, 3, 4}));
  EvaluatedTensor visible = g.evaluate("visible");
  EXPECT_EQ(visible.shape, std::vector<int64_t>{3});
  EXPECT_EQ(visible.values, values({1, 1, 0}));
  EXPECT_EQ(visible.dataType, onnx::TensorProto::BOOL);
}

TEST(GraphEvaluatorTest, BroadcastWhereAndTile) {
  GraphBuilder g;
  g.constant("col", {2, 1}, {0, 1});
  g.constant("row", {1, 3}, {0, 1, 2});
  g.constant("neg", {}, {-9});
  g.constant("zero", {}, {0});
  g.constant("reps", {2}, {2, 1});
  g.node("LessOrEqual", {"row", "col"}, "causal"); // [2, 3]
  g.node("Where", {"causal", "zero", "neg"}, "mask");
  g.node("Tile", {"mask", "reps"}, "tiled");
  EvaluatedTensor tiled = g.evaluate("tiled");
  EXPECT_EQ(tiled.shape, (std::vector<int64_t>{4, 3}));
  EXPECT_EQ(tiled.values, values({0, -9, -9, 0, 0, -9, 0, -9, -9, 0, 0, -9}));
}

TEST(GraphEvaluatorTest, SliceTransposeTriluReshapeConcat) {
  GraphBuilder g;
  g.constant("x", {2, 3}, {1, 2, 3, 4, 5, 6});
  g.constant("starts", {1}, {-1});
  g.constant("ends", {1}, {INT64_MAX});
  g.constant("axes", {1}, {1});
  g.constant("back", {1}, {-1});
  g.constant("end0", {1}, {INT64_MIN});
  g.constant("shape", {2}, {3, -1});
  g.node("Slice", {"x", "starts", "ends", "axes"}, "last");        // [[3],[6]]
  g.node("Slice", {"x", "starts", "end0", "axes", "back"}, "rev"); // reversed
  GraphBuilder::attr(g.node("Transpose", {"x"}, "xt"), "perm",
                     std::vector<int64_t>{1, 0});
  GraphBuilder::attr(g.node("Trilu", {"x"}, "lower"), "upper", int64_t(0));
  g.node("Reshape", {"x", "shape"}, "r");
  GraphBuilder::attr(g.node("Concat", {"x", "x"}, "c"), "axis", int64_t(1));
  EXPECT_EQ(g.evaluate("last").values, values({3, 6}));
  EXPECT_EQ(g.evaluate("rev").values, values({3, 2, 1, 6, 5, 4}));
  EvaluatedTensor xt = g.evaluate("xt");
  EXPECT_EQ(xt.shape, (std::vector<int64_t>{3, 2}));
  EXPECT_EQ(xt.values, values({1, 4, 2, 5, 3, 6}));
  EXPECT_EQ(g.evaluate("lower").values, values({1, 0, 0, 4, 5, 0}));
  EXPECT_EQ(g.evaluate("r").shape, (std::vector<int64_t>{3, 2}));
  EvaluatedTensor c = g.evaluate("c");
  EXPECT_EQ(c.shape, (std::vector<int64_t>{2, 6}));
  EXPECT_EQ(c.values, values({1, 2, 3, 1, 2, 3, 4, 5, 6, 4, 5, 6}));
}

// Activations are known by their shapes alone; ops whose result shape
// follows from those carry it, so Shape of a MatMul's result (an attention
// score) evaluates.
TEST(GraphEvaluatorTest, ShapesOfRunTimeValues) {
  GraphBuilder g;
  EvaluatedTensor x;
  x.dataType = onnx::TensorProto::FLOAT;
  x.shape = {1, 3, 8};
  g.bound.push_back({"x", x});
  g.floatConstant("w", {8, 6}, 0.5f);
  g.constant("split", {3}, {2, 2, 2});
  g.node("MatMul", {"x", "w"}, "y");
  g.node("Neg", {"y"}, "negated");
  GraphBuilder::attr(g.node("Split", {"y", "split"}, {"a", "b", "c"}), "axis",
                     int64_t(2));
  GraphBuilder::attr(g.node("Transpose", {"b"}, "bt"), "perm",
                     std::vector<int64_t>{0, 2, 1});
  g.node("MatMul", {"a", "bt"}, "scores");
  g.node("Shape", {"scores"}, "shape");
  GraphBuilder::attr(g.node("ReduceMean", {"x"}, "mean"), "axes",
                     std::vector<int64_t>{-1});
  g.node("Shape", {"mean"}, "meanShape");
  EXPECT_EQ(g.evaluate("negated").shape, (std::vector<int64_t>{1, 3, 6}));
  EXPECT_TRUE(g.evaluate("negated").values.empty());
  EXPECT_EQ(g.evaluate("c").shape, (std::vector<int64_t>{1, 3, 2}));
  EXPECT_EQ(g.evaluate("shape").values, values({1, 3, 3}));
  EXPECT_EQ(g.evaluate("meanShape").values, values({1, 3, 1}));
  // GELU's tanh form, evaluated in doubles.
  g.node("Tanh", {"w"}, "t");
  EXPECT_NEAR(g.evaluate("t").values[0], std::tanh(0.5), 1e-15);
}

// Shapes computed from a graph's values use checked arithmetic: a Reshape
// target whose product overflows int64 is refused, not wrapped (UBSan
// caught `known *= d` overflowing on a fuzzed export).
TEST(GraphEvaluatorTest, ShapeArithmeticIsChecked) {
  GraphBuilder g;
  EvaluatedTensor x;
  x.dataType = onnx::TensorProto::FLOAT;
  x.shape = {6, 4};
  g.bound.push_back({"x", x});
  g.constant("target", {2}, {6, int64_t(2954361355555045376)});
  g.node("Reshape", {"x", "target"}, "r");
  g.node("Shape", {"r"}, "rs");
  std::string error;
  g.evaluate("rs", &error);
  EXPECT_NE(error.find("only the run time knows"), std::string::npos) << error;
  // Concatenating shape-only tensors whose lengths sum past int64 too.
  EvaluatedTensor big;
  big.dataType = onnx::TensorProto::FLOAT;
  big.shape = {int64_t(1) << 62, 4};
  g.bound.push_back({"big", big});
  GraphBuilder::attr(g.node("Concat", {"big", "big", "big"}, "c"), "axis",
                     int64_t(0));
  g.node("Shape", {"c"}, "cs");
  g.evaluate("cs", &error);
  EXPECT_NE(error.find("only the run time knows"), std::string::npos) << error;
  // An axis named twice in Unsqueeze would read past the input's shape.
  GraphBuilder::attr(g.node("Unsqueeze", {"x"}, "u"), "axes",
                     std::vector<int64_t>{0, 0});
  g.node("Shape", {"u"}, "us");
  g.evaluate("us", &error);
  EXPECT_NE(error.find("only the run time knows"), std::string::npos) << error;
}

TEST(GraphEvaluatorTest, Refusals) {
  GraphBuilder g;
  EvaluatedTensor past;
  past.dataType = onnx::TensorProto::FLOAT;
  past.shape = {2, 2}; // the shape alone: its values are the run time's
  g.bound.push_back({"past", past});
  g.constant("huge", {2}, {1 << 20, 2});
  g.node("Trilu", {"past"}, "masked");
  g.node("ConstantOfShape", {"huge"}, "big");
  g.node("Hardmax", {"huge"}, "unknown");
  std::string error;
  // Trilu's values are its input's: a shape alone does not give them.
  g.evaluate("masked", &error);
  EXPECT_NE(error.find("only the run time knows"), std::string::npos) << error;
  g.evaluate("big", &error);
  EXPECT_NE(error.find("too large"), std::string::npos) << error;
  g.evaluate("unknown", &error);
  EXPECT_NE(error.find("not evaluated"), std::string::npos) << error;
  g.evaluate("undefined", &error);
  EXPECT_NE(error.find("no known value"), std::string::npos) << error;
}

} // namespace
