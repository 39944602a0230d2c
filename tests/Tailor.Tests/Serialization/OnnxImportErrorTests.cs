using Google.Protobuf;
using Onnx;
using Tailor.Serialization;
using Tailor.Tests.Data;
using Xunit.Abstractions;
using AttributeType = Onnx.AttributeProto.Types.AttributeType;

namespace Tailor.Tests.Serialization;

/// <summary>
/// Malformed ONNX files, and graphs with an operator, attribute or shape Tailor cannot reproduce, are refused with
/// one line naming the file, then the node, its operator and the attribute (or input) at fault. Most cases are the
/// PyTorch fixtures with one thing changed, as a user's file would differ.
/// </summary>
public sealed class OnnxImportErrorTests(ITestOutputHelper output) : IDisposable
{
    private readonly TempDirectory _temp = new();

    public void Dispose() => _temp.Dispose();

    /// <summary>A case: how its file is made, and the fragments its one line must hold (besides the file's name).</summary>
    public sealed record Case(Func<byte[]> File, params string[] Expected)
    {
        public override string ToString() => string.Join(" | ", Expected);
    }

    public static TheoryData<string> Names => [.. Cases.Keys];

    internal static readonly Dictionary<string, Case> Cases = new()
    {
        ["not-protobuf"] = new(() => "This is a text file, not an ONNX model.\n"u8.ToArray(), "not an ONNX model"),
        ["truncated"] = new(() => Fixture("peer_cnn")[..200_000], "is not an ONNX model (a ModelProto protobuf), or is truncated"),
        ["empty-file"] = new(() => [], "is empty"),
        ["no-graph"] = new(() => new ModelProto { IrVersion = 7, OpsetImport = { Opset(13) } }.ToByteArray(), "holds no graph"),
        ["empty-graph"] = new(() => new ModelProto { IrVersion = 7, OpsetImport = { Opset(13) }, Graph = new GraphProto { Name = "g" } }.ToByteArray(),
            "graph 'g' has no operators"),
        ["old-opset"] = new(() => Edit("dense", m => m.OpsetImport[0].Version = 7), "uses opset 7", "opsets 9 to 21"),
        ["input-without-shape"] = new(() => Edit("dense", m => m.Graph.Input[0].Type.TensorType.Shape = null), "input 'input' has no shape"),
        ["two-inputs"] = new(() => Edit("dense", m => m.Graph.Input.Add(new ValueInfoProto(m.Graph.Input[0]) { Name = "second" })),
            "has 2 inputs besides its initializers ('input', 'second')"),
        ["unsupported-operator"] = new(() => Edit("dense", m => { var n = Node(m, "/1/Relu"); n.OpType = "LSTM"; n.Name = "/1/LSTM"; }),
            "node '/1/LSTM' (LSTM): operator LSTM has no Tailor layer"),
        ["conv-group"] = new(() => Edit("peer_cnn", m => Attribute(m, "/3/Conv", "group").I = 2),
            "node '/3/Conv' (Conv): attribute group=2: Tailor's convolutions are not grouped"),
        ["conv-dilations"] = new(() => Edit("peer_cnn", m => Attribute(m, "/0/Conv", "dilations").Ints[0] = 2),
            "node '/0/Conv' (Conv): attribute dilations=[2, 1]: Tailor's Conv2D has no dilation"),
        ["conv-pads-stride-2"] = new(() => Edit("peer_cnn", m =>
            {
                Attribute(m, "/0/Conv", "strides").Ints.Clear();
                Attribute(m, "/0/Conv", "strides").Ints.Add([2, 2]);
                Attribute(m, "/0/Conv", "pads").Ints.Clear();
                Attribute(m, "/0/Conv", "pads").Ints.Add([1, 1, 1, 1]);
            }),
            "node '/0/Conv' (Conv): attribute pads=[1, 1, 1, 1]", "padded (1, 1) before", "'same' gives (14, 14) padded (0, 0) before", "no explicit padding"),
        ["conv-unknown-attribute"] = new(() => Edit("peer_cnn", m => Node(m, "/6/Conv").Attribute.Add(new AttributeProto { Name = "foo", Type = AttributeType.Int, I = 1 })),
            "node '/6/Conv' (Conv): attribute foo is not one that Tailor's import of Conv reads"),
        ["conv-weights-rank"] = new(() => Edit("peer_cnn", m => { var w = m.Graph.Initializer.Single(t => t.Name == "3.weight"); w.Dims.Clear(); w.Dims.Add([64, 32, 9]); }),
            "node '/3/Conv' (Conv): input W ('3.weight') has shape (64, 32, 9); expected (filters, 32, kh, kw)"),
        ["missing-initializer"] = new(() => Edit("peer_cnn", m => m.Graph.Initializer.Remove(m.Graph.Initializer.Single(t => t.Name == "6.bias"))),
            "node '/6/Conv' (Conv): input '6.bias' is defined nowhere"),
        ["external-data"] = new(() => Edit("dense", m =>
            {
                var w = m.Graph.Initializer.Single(t => t.Name == "2.weight");
                w.RawData = ByteString.Empty;
                w.DataLocation = TensorProto.Types.DataLocation.External;
                w.ExternalData.Add(new StringStringEntryProto { Key = "location", Value = "weights.bin" });
            }),
            "node '/2/Gemm' (Gemm): input B ('2.weight') keeps its values in an external file"),
        ["gemm-transA"] = new(() => Edit("dense", m => Node(m, "/0/Gemm").Attribute.Add(new AttributeProto { Name = "transA", Type = AttributeType.Int, I = 1 })),
            "node '/0/Gemm' (Gemm): attribute transA=1"),
        ["gemm-alpha"] = new(() => Edit("dense", m => Attribute(m, "/2/Gemm", "alpha").F = 0.5f),
            "node '/2/Gemm' (Gemm): attribute alpha=0.5: Tailor's Dense computes x W + b"),
        ["leaky-relu-slope"] = new(() => Edit("dense", m =>
            {
                var n = Node(m, "/1/Relu");
                n.OpType = "LeakyRelu";
                n.Attribute.Add(new AttributeProto { Name = "alpha", Type = AttributeType.Float, F = 0.01f });
            }),
            "node '/1/Relu' (LeakyRelu): attribute alpha=0.01: Tailor's leaky_relu (as Keras's) has slope 0.2"),
        ["softmax-axis"] = new(() => Edit("peer_cnn", m => Attribute(m, "/12/Softmax", "axis").I = 0),
            "node '/12/Softmax' (Softmax): attribute axis=0"),
        ["average-pool-counting-pads"] = new(() => Edit("peer_cnn", m =>
            {
                var n = Node(m, "/5/MaxPool");
                n.OpType = "AveragePool";
                Attribute(m, "/5/MaxPool", "ceil_mode").I = 1;
                n.Attribute.Add(new AttributeProto { Name = "count_include_pad", Type = AttributeType.Int, I = 1 });
            }),
            "node '/5/MaxPool' (AveragePool): attribute count_include_pad=1: its windows cover padding"),
        ["reshape-fixed-batch"] = new(() => Edit("peer_cnn", m =>
            {
                var n = Node(m, "/8/Flatten");
                n.OpType = "Reshape";
                n.Attribute.Clear();
                n.Input.Add("shape");
                m.Graph.Initializer.Add(new TensorProto { Name = "shape", DataType = (int)TensorProto.Types.DataType.Int64, Dims = { 2 }, Int64Data = { 1, 576 } });
            }),
            "node '/8/Flatten' (Reshape): input shape ('shape') is [1, 576]: its first dimension must keep the batch"),
        ["transpose-batch"] = new(() => Edit("dense", m =>
            {
                var relu = Node(m, "/3/Relu");
                relu.Output[0] = "relu_out";
                var transpose = new NodeProto { Name = "swap", OpType = "Transpose", Input = { "relu_out" }, Output = { "/3/Relu_output_0" } };
                transpose.Attribute.Add(new AttributeProto { Name = "perm", Type = AttributeType.Ints, Ints = { 1, 0 } });
                m.Graph.Node.Insert(m.Graph.Node.IndexOf(relu) + 1, transpose);
            }),
            "node 'swap' (Transpose): attribute perm=[1, 0]: it moves the batch axis"),
        ["channels-first-output"] = new(() => Edit("peer_cnn", m =>
            {
                while (m.Graph.Node[^1].Name != "/7/Relu") m.Graph.Node.RemoveAt(m.Graph.Node.Count - 1);
                m.Graph.Output[0].Name = "/7/Relu_output_0";
                m.Graph.Output[0].Type.TensorType.Shape = null;
            }),
            "the graph's output '/7/Relu_output_0' (N, 64, 3, 3) is channels-first"),
        ["output-written-by-no-node"] = new(() => Edit("dense", m => m.Graph.Output[0].Name = "nothing"),
            "the graph's output 'nothing' is written by no node"),
        // Graphs that branch and merge: (N, 8) -> Gemm + Relu ('b'), then a branch and a merge.
        ["add-shapes"] = new(() => Branching(Node("g2", "Gemm", ["b", "w4"], "c"), Node("add", "Add", ["b", "c"], "output")),
            "node 'add' (Add): inputs 'b' (N, 8) and 'c' (N, 4) differ in shape; Tailor's Add takes inputs of one shape (ONNX's broadcasting is not imported)"),
        ["concat-batch-axis"] = new(() => Branching(Node("g2", "Gemm", ["b", "w8"], "c"), Node("concat", "Concat", ["b", "c"], "output", ("axis", 0))),
            "node 'concat' (Concat): attribute axis=0: it joins along the batch axis"),
        ["input-never-produced"] = new(() => Branching(Node("add", "Add", ["b", "ghost"], "output")),
            "node 'add' (Add): input 'ghost' is defined nowhere"),
        ["cycle"] = new(() => Branching(
                Node("add", "Add", ["b", "e"], "c"), Node("r2", "Relu", ["c"], "d"), Node("g2", "Gemm", ["d", "w8"], "e"), Node("out", "Identity", ["d"], "output")),
            "node 'add' (Add): reads its own output through a cycle ('r2' -> 'g2' -> 'add' -> 'r2'); an ONNX graph is acyclic"),
        ["unsupported-operator-in-branch"] = new(() => Branching(Node("cos", "Cos", ["b"], "c"), Node("add", "Add", ["b", "c"], "output")),
            "node 'cos' (Cos): operator Cos has no Tailor layer"),
        ["branch-leading-nowhere"] = new(() => Branching(Node("g2", "Gemm", ["b", "w8"], "c"), Node("out", "Identity", ["b"], "output")),
            "node 'g2' (Gemm): its output 'c' does not lead to the graph's output 'output'; Tailor imports every operator of a graph or none"),
        ["divide-branches"] = new(() => Branching(Node("g2", "Gemm", ["b", "w8"], "c"), Node("div", "Div", ["b", "c"], "output")),
            "node 'div' (Div): takes 2 computed inputs ('b', 'c'); Tailor merges computed tensors only by Add, Sub, Mul, Sum, Max, Mean and Concat"),
        ["second-output-used"] = new(() => Branching(Node("drop", "Dropout", ["b"], "c", "mask"), Node("add", "Add", ["c", "mask"], "output")),
            "node 'drop' (Dropout): its second output 'mask' is used; Tailor's layers give one output"),
        // The ResNet fixture: its first block's shortcut transposed (a (16, 13, 13) tensor still), or a third, larger input joined.
        ["merge-of-different-orders"] = new(() => Edit("resnet", m =>
            {
                var add = Node(m, "/layers/layers.0/Add");
                var swap = new NodeProto { Name = "swap", OpType = "Transpose", Input = { add.Input[1] }, Output = { "swapped" } };
                swap.Attribute.Add(new AttributeProto { Name = "perm", Type = AttributeType.Ints, Ints = { 0, 1, 3, 2 } });
                m.Graph.Node.Insert(m.Graph.Node.IndexOf(add), swap);
                add.Input[1] = "swapped";
            }),
            "node '/layers/layers.0/Add' (Add): its inputs ('/layers/layers.0/conv2/Conv_output_0', 'swapped') sit in Tailor's layers in different orders"),
        ["concat-of-different-sizes"] = new(() => Edit("resnet", m =>
            {
                var add = Node(m, "/layers/layers.1/Add");
                add.OpType = "Concat";
                add.Input.Add("/stem/stem.3/MaxPool_output_0");
                add.Attribute.Add(new AttributeProto { Name = "axis", Type = AttributeType.Int, I = 1 });
            }),
            "node '/layers/layers.1/Add' (Concat): inputs '/layers/layers.1/conv2/Conv_output_0' (N, 32, 7, 7) and '/stem/stem.3/MaxPool_output_0' (N, 16, 13, 13) differ on an axis other than the joined one (1)"),
    };

    [Theory]
    [MemberData(nameof(Names))]
    public void A_bad_or_unsupported_file_is_one_line_naming_the_node_operator_and_attribute(string name)
    {
        var (file, expected) = (Cases[name].File, Cases[name].Expected);
        string path = _temp.File(name + ".onnx");
        File.WriteAllBytes(path, file());

        var e = Assert.Throws<OnnxImportException>(() => OnnxImport.Load(path));

        output.WriteLine(e.Message);
        Assert.DoesNotContain('\n', e.Message);
        Assert.StartsWith(path + ": ", e.Message);
        foreach (string fragment in expected) Assert.Contains(fragment, e.Message);
    }

    [Fact]
    public void The_exception_names_the_node_operator_and_attribute_apart()
    {
        string path = _temp.File("group.onnx");
        File.WriteAllBytes(path, Cases["conv-group"].File());

        var e = Assert.Throws<OnnxImportException>(() => OnnxImport.Load(path));

        Assert.Equal((path, "/3/Conv", "Conv", "group"), (e.Path, e.Node, e.OpType, e.Attribute));
    }

    [Fact]
    public void A_missing_file_or_a_folder_is_refused_naming_it()
    {
        Assert.Contains("no such file", Assert.ThrowsAny<IOException>(() => OnnxImport.Load(_temp.File("none.onnx"))).Message);
        Assert.Contains("not a regular file", Assert.ThrowsAny<IOException>(() => OnnxImport.Load(_temp.Path)).Message);
    }

    internal static byte[] Fixture(string name) => File.ReadAllBytes(OnnxImportTests.Fixture(name + ".onnx"));

    private static byte[] Edit(string fixture, Action<ModelProto> edit)
    {
        var model = ModelProto.Parser.ParseFrom(Fixture(fixture));
        edit(model);
        return model.ToByteArray();
    }

    private static OperatorSetIdProto Opset(long version) => new() { Domain = "", Version = version };

    private static NodeProto Node(ModelProto model, string name) => model.Graph.Node.Single(n => n.Name == name);

    private static AttributeProto Attribute(ModelProto model, string node, string name) => Node(model, node).Attribute.Single(a => a.Name == name);

    /// <summary>(N, 8) -> Gemm 'g1' -> Relu 'r' (tensor 'b'), then <paramref name="nodes"/> to the output (N, 8); weights 'w8' (8, 8) and 'w4' (8, 4).</summary>
    internal static byte[] Branching(params NodeProto[] nodes)
    {
        var graph = new GraphProto { Name = "branching" };
        graph.Input.Add(Tensor("input", 8));
        graph.Output.Add(Tensor("output", 8));
        foreach (var (name, units) in new[] { ("w8", 8), ("w4", 4) })
        {
            var weights = new TensorProto { Name = name, DataType = (int)TensorProto.Types.DataType.Float, Dims = { 8, units } };
            weights.FloatData.Add(Enumerable.Range(0, 8 * units).Select(i => (i % 7 - 3) / 10f));
            graph.Initializer.Add(weights);
        }
        graph.Node.Add(Node("g1", "Gemm", ["input", "w8"], "a"));
        graph.Node.Add(Node("r", "Relu", ["a"], "b"));
        graph.Node.Add(nodes);
        return new ModelProto { IrVersion = 7, OpsetImport = { Opset(13) }, Graph = graph }.ToByteArray();
    }

    internal static NodeProto Node(string name, string opType, string[] inputs, string output, params (string Name, long Value)[] attributes) =>
        Node(name, opType, inputs, [output], attributes);

    private static NodeProto Node(string name, string opType, string[] inputs, string output, string second) => Node(name, opType, inputs, [output, second], []);

    private static NodeProto Node(string name, string opType, string[] inputs, string[] outputs, (string Name, long Value)[] attributes)
    {
        var node = new NodeProto { Name = name, OpType = opType, Input = { inputs }, Output = { outputs } };
        foreach (var (key, value) in attributes) node.Attribute.Add(new AttributeProto { Name = key, Type = AttributeType.Int, I = value });
        return node;
    }

    private static ValueInfoProto Tensor(string name, int features)
    {
        var shape = new TensorShapeProto();
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimParam = "N" });
        shape.Dim.Add(new TensorShapeProto.Types.Dimension { DimValue = features });
        return new ValueInfoProto
        {
            Name = name,
            Type = new TypeProto { TensorType = new TypeProto.Types.Tensor { ElemType = (int)TensorProto.Types.DataType.Float, Shape = shape } },
        };
    }
}
