// RUN: llmc-opt %s --split-input-file --verify-diagnostics | FileCheck %s

// The attributes llmc's tools rely on are declared by the dialect and
// verified: llm.entry_point and llm.draft on functions; llm.model, llm.weights and
// llm.weights_size on the module; llm.name, llm.dim_names and
// llm.default_weight on entry-point arguments (llm.name on results).

// CHECK: module attributes {llm.model = {architecture = "onnx", context_length = 0 : i64}, llm.weights = [{name = "w"}], llm.weights_size = 64 : i64}
// CHECK: func.func @graph(%{{.*}}: tensor<?x4xf32> {llm.dim_names = ["batch", ""], llm.name = "x"}, %{{.*}}: tensor<4xf32> {llm.default_weight = "w", llm.name = "w"}) -> (tensor<?x4xf32> {llm.name = "y"}) attributes {llm.entry_point}
module attributes {llm.model = {architecture = "onnx", context_length = 0 : i64}, llm.weights = [{name = "w"}], llm.weights_size = 64 : i64} {
  func.func @graph(%x: tensor<?x4xf32> {llm.name = "x", llm.dim_names = ["batch", ""]},
                   %w: tensor<4xf32> {llm.name = "w", llm.default_weight = "w"})
      -> (tensor<?x4xf32> {llm.name = "y"}) attributes {llm.entry_point} {
    return %x : tensor<?x4xf32>
  }
}

// -----

// A self-draft entry point and the quantization of its linear layers.
// CHECK: func.func @draft() attributes {llm.draft = "int4", llm.entry_point}
func.func @draft() attributes {llm.entry_point, llm.draft = "int4"} {
  return
}

// -----

func.func @draft() attributes {llm.entry_point, llm.draft = "int3"} {
  // expected-error @-1 {{expects 'llm.draft' to be none, int8 or int4 on an entry point}}
  return
}

// -----

func.func @draft() attributes {llm.draft = "int4"} {
  // expected-error @-1 {{expects 'llm.draft' to be none, int8 or int4 on an entry point}}
  return
}

// -----

// expected-error @+1 {{expects 'llm.entry_point' to be a unit attribute of a function}}
module attributes {llm.entry_point} {
}

// -----

func.func @f() attributes {llm.entry_point = 1 : i64} {
  // expected-error @-1 {{expects 'llm.entry_point' to be a unit attribute of a function}}
  return
}

// -----

// expected-error @+1 {{expects 'llm.model' to be a dictionary on the module}}
module attributes {llm.model = "llama"} {
}

// -----

// expected-error @+1 {{expects 'llm.weights_size' to be a non-negative i64 on the module}}
module attributes {llm.weights_size = -1 : i64} {
}

// -----

// expected-error @+1 {{expects 'llm.weights' to be an array of dictionaries on the module}}
module attributes {llm.weights = ["w"]} {
}

// -----

// A misspelt attribute is an error, not silently ignored.
// expected-error @+1 {{unknown llm attribute 'llm.entrypoint'}}
func.func @f() attributes {llm.entrypoint} {
  return
}

// -----

// expected-error @+1 {{expects 'llm.dim_names' to be one string per dim of 'tensor<?x4xf32>'}}
func.func @f(%x: tensor<?x4xf32> {llm.dim_names = ["batch"]}) {
  return
}

// -----

// expected-error @+1 {{expects 'llm.name' to be a string}}
func.func @f(%x: tensor<4xf32> {llm.name = 3 : i64}) {
  return
}

// -----

// expected-error @+1 {{unknown llm result attribute 'llm.default_weight'}}
func.func @f(%x: tensor<4xf32>) -> (tensor<4xf32> {llm.default_weight = "w"}) {
  return %x : tensor<4xf32>
}
