using Grpc.Core;
using Grpc.Core.Interceptors;
using Microsoft.Data.Sqlite;

namespace SmartTerminal.PolicyService.Api;

/// <summary>
/// Turns failures no handler expected into precise statuses instead of gRPC's bare "Exception was
/// thrown by handler": a state database that is locked or failing answers Unavailable (retry later;
/// the call's transaction was not committed), anything else Internal with a reference to the log.
/// </summary>
public sealed partial class ApiErrorInterceptor(ILogger<ApiErrorInterceptor> logger) : Interceptor
{
    public override async Task<TResponse> UnaryServerHandler<TRequest, TResponse>(TRequest request, ServerCallContext context, UnaryServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            return await continuation(request, context);
        }
        catch (Exception e) when (e is not RpcException and not OperationCanceledException)
        {
            throw Translate(e, context);
        }
    }

    public override async Task ServerStreamingServerHandler<TRequest, TResponse>(TRequest request, IServerStreamWriter<TResponse> responseStream, ServerCallContext context, ServerStreamingServerMethod<TRequest, TResponse> continuation)
    {
        try
        {
            await continuation(request, responseStream, context);
        }
        catch (Exception e) when (e is not RpcException and not OperationCanceledException)
        {
            throw Translate(e, context);
        }
    }

    private RpcException Translate(Exception exception, ServerCallContext context)
    {
        var reference = context.GetHttpContext().TraceIdentifier;
        if (exception is SqliteException sqlite)
        {
            LogDatabaseFailed(exception, context.Method, reference);
            return new RpcException(new Status(StatusCode.Unavailable,
                $"the state database is unavailable ({sqlite.Message.TrimEnd('.')}); the request was not completed, try again (reference {reference})"));
        }

        LogUnexpected(exception, context.Method, reference);
        return new RpcException(new Status(StatusCode.Internal, $"internal error (reference {reference})"));
    }

    [LoggerMessage(Level = LogLevel.Warning, Message = "{Method}: state database unavailable (reference {Reference})")]
    private partial void LogDatabaseFailed(Exception exception, string method, string reference);

    [LoggerMessage(Level = LogLevel.Error, Message = "{Method}: unexpected failure (reference {Reference})")]
    private partial void LogUnexpected(Exception exception, string method, string reference);
}
