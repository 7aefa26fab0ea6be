using Google.Rpc;
using Grpc.Core;

namespace SmartTerminal.PolicyService.Api;

/// <summary>Small builders for the precise gRPC errors the API returns.</summary>
public static class ApiErrors
{
    public static RpcException NotFound(string what, string id) =>
        new(new Grpc.Core.Status(StatusCode.NotFound, $"{what} '{id}' not found"));

    public static RpcException PermissionDenied(string message) =>
        new(new Grpc.Core.Status(StatusCode.PermissionDenied, message));

    public static RpcException FailedPrecondition(string message) =>
        new(new Grpc.Core.Status(StatusCode.FailedPrecondition, message));

    /// <summary>A concurrent change won (optimistic concurrency): read again and retry.</summary>
    public static RpcException Aborted(string message) =>
        new(new Grpc.Core.Status(StatusCode.Aborted, message));

    public static RpcException AlreadyExists(string message) =>
        new(new Grpc.Core.Status(StatusCode.AlreadyExists, message));

    public static RpcException ResourceExhausted(string message) =>
        new(new Grpc.Core.Status(StatusCode.ResourceExhausted, message));

    public static RpcException Invalid(string field, string description) =>
        Invalid([new BadRequest.Types.FieldViolation { Field = field, Description = description }]);

    /// <summary>InvalidArgument carrying every offending field in a google.rpc.BadRequest.</summary>
    public static RpcException Invalid(IEnumerable<BadRequest.Types.FieldViolation> violations)
    {
        var badRequest = new BadRequest();
        badRequest.FieldViolations.AddRange(violations);
        var summary = string.Join("; ", badRequest.FieldViolations.Select(v => $"{v.Field}: {v.Description}"));
        return new Google.Rpc.Status
        {
            Code = (int)Code.InvalidArgument,
            Message = summary.Length > 500 ? summary[..500] + "..." : summary,
            Details = { Google.Protobuf.WellKnownTypes.Any.Pack(badRequest) },
        }.ToRpcException();
    }
}
