// RUN: llmc-opt %s --split-input-file --llmc-lower-asserts | FileCheck %s

// llmc-lower-asserts: each llm.assert becomes an scf.if on the negated
// condition around a call to llmc_ukernel_fail(message, v0, v1), all i64:
// the message is a pointer into a private NUL-terminated constant global
// (one per distinct text), missing values are 0, index and narrower
// integers are converted.

// CHECK: memref.global "private" constant @llmc_assert_message : memref<18xi8> = dense<[115, 105, 122, 101, 115, 32, 123, 48, 125, 32, 97, 110, 100, 32, 123, 49, 125, 0]>
// CHECK-NOT: memref.global
// CHECK-LABEL: func @two_values
// CHECK-SAME: (%[[OK:.*]]: i1, %[[A:.*]]: index, %[[B:.*]]: i32)
// CHECK: %[[TRUE:.*]] = arith.constant true
// CHECK: %[[FAILED:.*]] = arith.xori %[[OK]], %[[TRUE]] : i1
// CHECK: scf.if %[[FAILED]] {
// CHECK:   %[[TEXT:.*]] = memref.get_global @llmc_assert_message : memref<18xi8>
// CHECK:   %[[ADDR:.*]] = memref.extract_aligned_pointer_as_index %[[TEXT]]
// CHECK:   %[[PTR:.*]] = arith.index_cast %[[ADDR]] : index to i64
// CHECK:   %[[V0:.*]] = arith.index_cast %[[A]] : index to i64
// CHECK:   %[[V1:.*]] = arith.extsi %[[B]] : i32 to i64
// CHECK:   func.call @llmc_ukernel_fail(%[[PTR]], %[[V0]], %[[V1]]) : (i64, i64, i64) -> ()
// CHECK: }
// CHECK: scf.if
// CHECK:   memref.get_global @llmc_assert_message : memref<18xi8>
// CHECK-NOT: llm.assert
func.func @two_values(%ok: i1, %a: index, %b: i32) {
  llm.assert %ok, "sizes {0} and {1}" (%a, %b : index, i32)
  // The same text again: the same global.
  llm.assert %ok, "sizes {0} and {1}" (%a, %b : index, i32)
  return
}

// -----

// CHECK-DAG: memref.global "private" constant @llmc_assert_message : memref<6xi8>
// CHECK-DAG: memref.global "private" constant @llmc_assert_message_0 : memref<11xi8>
// CHECK-DAG: func.func private @llmc_ukernel_fail(i64, i64, i64)
// CHECK-LABEL: func @no_values
// CHECK: scf.if
// CHECK:   %[[ZERO:.*]] = arith.constant 0 : i64
// CHECK:   func.call @llmc_ukernel_fail(%{{.*}}, %[[ZERO]], %[[ZERO]])
func.func @no_values(%ok: i1, %v: i64) {
  llm.assert %ok, "first"
  llm.assert %ok, "second {0}" (%v : i64)
  return
}
